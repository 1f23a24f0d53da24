/*
 * fuzz_handler.c - the real IFDH entry points against a scripted simulator.
 *
 * Input: a configuration byte, the simulator's scripts (fakesim.h), then
 * up to MAX_OPS operations, each an opcode byte (bit 7: the second channel,
 * when open) and its operands:
 *
 *   config  bits 0-1 slot of channel A, bit 2 open channel B (the next slot),
 *           bits 3-4 request timeout 1/2/3/5 ms, bits 5-6 slots:1/2/4/16,
 *           bit 7 reader number 1 instead of 0 (the Lun's high half)
 *   ops     0 power up, 1 reset, 2 power down, 3 unknown power action,
 *           4 transmit, 5 presence, 6 event wait, 7 stop the event wait,
 *           8 control, 9 get capability, 10 set capability,
 *           11 set protocol, 12 close and reopen, 13 create again (refused),
 *           14 calls on a Lun that is not open, 15 nothing
 *
 * Checked besides the sanitizers: the API contract of every call (lengths
 * within the caller's buffers, nothing returned on failure), that an ATR
 * from IFDHPowerICC is what TAG_IFD_ATR answers next, that a TRANSMIT frame
 * carries the caller's APDU unchanged, every frame the handler sends
 * (fakesim.c), that IFDHCloseChannel removes the channel, and that no file
 * descriptor outlives the run.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fakesim.h"
#include "ifdh.h"

#define MAX_OPS 48

struct chan {
	DWORD lun;
	int open;
	fz_poll_fn poll;
	fz_stop_fn stop;
};

static char devicename[96];
static unsigned char *txbuf;   /* MYNA_MAX_APDU + 1 bytes */

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	setenv("MYNASIM_IFD_DEBUG", "1", 1);   /* format the debug lines too */
	txbuf = malloc(65545);
	if (!txbuf)
		abort();
	for (size_t i = 0; i < 65545; i++)
		txbuf[i] = (unsigned char)(i * 31 + 7);
	return 0;
}

static void open_chan(struct chan *c)
{
	RESPONSECODE rv = IFDHCreateChannelByName(c->lun, devicename);

	fz_sim_drain();
	c->open = rv == IFD_SUCCESS;
	if (c->open)
		fz_event_functions(c->lun, &c->poll, &c->stop);
}

static void close_chan(struct chan *c)
{
	if (!c->open)
		return;
	if (IFDHCloseChannel(c->lun) != IFD_SUCCESS)
		fz_fail("IFDHCloseChannel of an open channel failed");
	if (IFDHICCPresence(c->lun) != IFD_COMMUNICATION_ERROR)
		fz_fail("the channel is still there after IFDHCloseChannel");
	c->open = 0;
}

static const DWORD atr_caps[] = { 0, 1, 2, 32, 33, 64 };

static void power(struct fz_in *in, DWORD lun, DWORD action)
{
	uint8_t how = fz_u8(in);
	DWORD cap = atr_caps[how % 6], len = cap;
	int no_len = how >= 0xF0;
	unsigned char *atr = fz_buffer(cap, how % 6 == 0);
	RESPONSECODE rv = IFDHPowerICC(lun, action, atr, no_len ? NULL : &len);

	if (!no_len && rv == IFD_SUCCESS && action == IFD_POWER_DOWN) {
		if (len != 0)
			fz_fail("PowerICC(POWER_DOWN) returned %lu ATR bytes", (unsigned long)len);
	} else if (!no_len && rv == IFD_SUCCESS) {
		unsigned char again[64];
		DWORD n = sizeof again;

		if (len < 1 || len > 33 || len > cap)
			fz_fail("PowerICC returned an ATR of %lu bytes into %lu", (unsigned long)len,
				(unsigned long)cap);
		if (IFDHGetCapabilities(lun, TAG_IFD_ATR, &n, again) != IFD_SUCCESS ||
		    n != len || memcmp(again, atr, len) != 0)
			fz_fail("TAG_IFD_ATR differs from the ATR of PowerICC");
	} else if (!no_len && len != 0) {
		fz_fail("PowerICC(%lu) failed (%ld) but returned %lu ATR bytes",
			(unsigned long)action, (long)rv, (unsigned long)len);
	}
	free(atr);
}

static const DWORD tx_lengths[] = { 0, 1, 3, 4, 5, 6, 13, 261, 262, 300, 4096, 65544, 65545 };
static const DWORD rx_caps[] = { 0, 1, 2, 3, 258, 65538 };

static void transmit(struct fz_in *in, DWORD lun)
{
	uint8_t lc = fz_u8(in), how = fz_u8(in);
	DWORD txlen = lc < 13 ? tx_lengths[lc] : lc, cap = rx_caps[how % 6], len = cap;
	unsigned char *rx = fz_buffer(cap, how & 0x40);
	unsigned before = fz_sim_transmits();
	SCARD_IO_HEADER pci = { 1, 0 }, rpci = { 0, 0 };
	RESPONSECODE rv;
	size_t sent_len;
	const uint8_t *sent;

	memcpy(txbuf, (const uint8_t[]){ 0x00, 0x84, 0x00, 0x00 }, 4);
	txbuf[1] = fz_u8(in);
	rv = IFDHTransmitToICC(lun, pci, (how & 0x80) ? NULL : txbuf, txlen, rx,
		(how & 0x20) ? NULL : &len, (how & 0x10) ? NULL : &rpci);
	fz_sim_drain();
	if (how & 0x20) {
		if (rv == IFD_SUCCESS)
			fz_fail("TransmitToICC succeeded without RxLength");
	} else if (rv == IFD_SUCCESS ? len < 2 || len > cap : len != 0) {
		fz_fail("TransmitToICC -> %ld with %lu bytes into %lu", (long)rv, (unsigned long)len,
			(unsigned long)cap);
	}
	if (fz_sim_transmits() != before) {
		sent = fz_sim_last_transmit(&sent_len);
		if ((how & 0x80) || sent_len != txlen || memcmp(sent, txbuf, sent_len) != 0)
			fz_fail("the TRANSMIT frame does not carry the caller's %lu-byte APDU",
				(unsigned long)txlen);
	}
	free(rx);
}

/* Calls on a Lun nobody opened: each must fail without touching anything. */
static void stranger(struct fz_in *in)
{
	DWORD lun = 0x00070000u | fz_u8(in), len = 4, ret = 0;
	unsigned char b[8];

	if (IFDHICCPresence(lun) != IFD_COMMUNICATION_ERROR ||
	    IFDHPowerICC(lun, IFD_POWER_UP, b, &len) == IFD_SUCCESS ||
	    IFDHCloseChannel(lun) != IFD_COMMUNICATION_ERROR ||
	    IFDHControl(lun, SCARD_CTL_CODE(FEATURE_GET_TLV_PROPERTIES + 0x330000), NULL, 0, b,
		sizeof b, &ret) == IFD_SUCCESS)
		fz_fail("a call on Lun %lX that is not open succeeded", (unsigned long)lun);
}

static void run_op(struct fz_in *in, struct chan *c)
{
	uint8_t op = fz_u8(in);
	struct chan *t = (op & 0x80) && c[1].open ? &c[1] : &c[0];
	DWORD proto;

	if (!t->open && (op & 0x0F) != 12 && (op & 0x0F) != 14)
		return;
	switch (op & 0x0F) {
	case 0: power(in, t->lun, IFD_POWER_UP); break;
	case 1: power(in, t->lun, IFD_RESET); break;
	case 2: power(in, t->lun, IFD_POWER_DOWN); break;
	case 3: power(in, t->lun, 0x100u + fz_u8(in)); break;
	case 4: transmit(in, t->lun); break;
	case 5: (void)IFDHICCPresence(t->lun); break;
	case 6: (void)t->poll(t->lun, fz_u8(in) & 1); break;
	case 7: (void)t->stop(t->lun); break;
	case 8: fz_control(in, t->lun); break;
	case 9: fz_get_capability(in, t->lun); break;
	case 10: fz_set_capability(in, t->lun); break;
	case 11:
		proto = fz_u8(in);
		(void)IFDHSetProtocolParameters(t->lun, proto < 8 ? proto : fz_u32(in), 0, 0, 0, 0);
		break;
	case 12:
		close_chan(t);
		open_chan(t);
		break;
	case 13:
		if (IFDHCreateChannelByName(t->lun, devicename) == IFD_SUCCESS ||
		    IFDHCreateChannel(t->lun, 0) == IFD_SUCCESS)
			fz_fail("a second channel for Lun %lX", (unsigned long)t->lun);
		break;
	case 14: stranger(in); break;
	default: break;
	}
	fz_sim_drain();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const unsigned timeouts[] = { 1, 2, 3, 5 }, slot_counts[] = { 1, 2, 4, 16 };
	struct fz_in in = { data, size };
	uint8_t cfg = fz_u8(&in);
	DWORD reader = (cfg & 0x80) ? 0x10000u : 0, slot = cfg & 3;
	struct chan c[2] = {
		{ .lun = reader | slot },
		{ .lun = reader | (slot + 1) },
	};
	int fds;

	int baseline_fds = fz_open_fds();
	snprintf(devicename, sizeof devicename, "mynasim:/run/fuzz/sim.sock@slots:%u@timeout:%u",
		slot_counts[(cfg >> 5) & 3], timeouts[(cfg >> 3) & 3]);
	fz_sim_load(&in, 3u << slot);
	open_chan(&c[0]);
	if (cfg & 4)
		open_chan(&c[1]);
	for (int i = 0; i < MAX_OPS && in.n > 0; i++)
		run_op(&in, c);
	close_chan(&c[0]);
	close_chan(&c[1]);
	fz_sim_drain();
	fz_sim_close();
	fds = fz_open_fds();
	if (fds != baseline_fds)
		fz_fail("%d file descriptors open after the run, %d before", fds, baseline_fds);
	return 0;
}
