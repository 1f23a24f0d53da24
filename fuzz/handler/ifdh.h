/*
 * ifdh.h - what the fuzz targets share about the handler under test: its
 * IFDH API (pcsc-lite's ifdhandler.h) and calls that check the API contract
 * after every call (fz_fail on a violation).
 */
#ifndef MYNA_FUZZ_IFDH_H
#define MYNA_FUZZ_IFDH_H

#include <ifdhandler.h>
#include <reader.h>

#include "input.h"

typedef RESPONSECODE (*fz_poll_fn)(DWORD, int);
typedef RESPONSECODE (*fz_stop_fn)(DWORD);

/* A buffer of exactly n bytes (ASan sees one byte too far), or NULL. */
unsigned char *fz_buffer(size_t n, int null);

/* IFDHGetCapabilities / IFDHControl with lengths and buffers chosen by the
 * input; each checks that a success returns no more than it was given and a
 * failure returns nothing. */
void fz_get_capability(struct fz_in *in, DWORD lun);
void fz_set_capability(struct fz_in *in, DWORD lun);
void fz_control(struct fz_in *in, DWORD lun);

/* The event functions pcscd would get through TAG_IFD_POLLING_THREAD_WITH_TIMEOUT
 * and TAG_IFD_STOP_POLLING_THREAD (checked for the right lengths). */
void fz_event_functions(DWORD lun, fz_poll_fn *poll, fz_stop_fn *stop);

#endif
