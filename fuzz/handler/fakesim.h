/*
 * fakesim.h - the scripted simulator of the fuzz targets that run the real
 * handler (fuzz_handler.c, fuzz_control.c).
 *
 * The targets link with -Wl,--wrap=connect, so every connect() the handler
 * makes lands in __wrap_connect (fakesim.c): it takes the next script of the
 * input and turns the handler's socket into one end of a socketpair whose
 * other end already holds the script's bytes, followed by EOF unless the
 * script holds the connection open. No thread, no listening socket: what the
 * "simulator" says is fixed before the handler reads it, so a run depends on
 * the input only.
 *
 * Everything the handler writes is parsed and checked against the wire
 * protocol (HELLO first, then only requests with legal lengths on a command
 * connection, nothing after HELLO on an event connection, always the slot of
 * the HELLO); a violation aborts, which libFuzzer reports as a crash.
 *
 * Script encoding (one per connection, in the order the handler connects):
 *   u8 flags | u16 length (big-endian) | length bytes | [u24 pad if FZ_PAD]
 */
#ifndef MYNA_FUZZ_FAKESIM_H
#define MYNA_FUZZ_FAKESIM_H

#include <stddef.h>
#include <stdint.h>

#include "check.h"
#include "input.h"

#define FZ_HOLD       0x01u  /* no EOF after the bytes: the handler's waits time out */
#define FZ_INPROGRESS 0x02u  /* connect() says EINPROGRESS (the socket is ready at once) */
#define FZ_REFUSE     0x04u  /* connect() fails with ECONNREFUSED */
#define FZ_PAD        0x08u  /* a u24 count of zero bytes to send after the bytes */

#define FZ_MAX_SCRIPTS 8u

/* Forget the previous run (closing its sockets) and read up to
 * FZ_MAX_SCRIPTS scripts: u8 count, then the scripts. `slot_mask` is the set
 * of slot numbers the handler may say HELLO for. */
void fz_sim_load(struct fz_in *in, uint32_t slot_mask);

/* Read and check everything the handler has written so far. */
void fz_sim_drain(void);

/* TRANSMIT frames seen so far, and the payload of the last one. */
unsigned fz_sim_transmits(void);
const uint8_t *fz_sim_last_transmit(size_t *len);

/* Close the simulator's ends of every connection of this run. */
void fz_sim_close(void);

#endif
