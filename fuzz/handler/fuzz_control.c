/*
 * fuzz_control.c - the part 10 control path and the capabilities:
 * IFDHControl with any control code, buffers and lengths, and
 * IFDHGetCapabilities / IFDHSetCapabilities with any tag and length, on a
 * channel whose state (card flags, ATR, the simulator's HELLO_ACK) comes
 * from a scripted simulator (fakesim.h), and on Luns that are not open.
 *
 * Input: a configuration byte (bits 0-1 the slot, bit 2 open the channel at
 * all), the simulator's scripts, then up to MAX_OPS operations:
 *   0 control, 1 get capability, 2 set capability, 3 set protocol,
 *   4 power up, 5 event wait (applies the next CARD_EVENT), 6 get capability
 *   on a Lun that is not open, 7 control on a Lun that is not open.
 * Checked: lengths within the caller's buffers, nothing returned on failure
 * (ifdh.c), and no file descriptor left after IFDHCloseChannel.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>

#include "fakesim.h"
#include "ifdh.h"

#define MAX_OPS 64


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_in in = { data, size };
	uint8_t cfg = fz_u8(&in);
	DWORD lun = cfg & 3, stranger = 0x00050000u | lun, len;
	fz_poll_fn poll = NULL;
	fz_stop_fn stop = NULL;
	unsigned char atr[33];
	int open = 0;

	int baseline_fds = fz_open_fds();
	fz_sim_load(&in, 1u << lun);
	if ((cfg & 4) &&
	    IFDHCreateChannelByName(lun, "mynasim:/run/fuzz/sim.sock@slots:4@timeout:2") == IFD_SUCCESS) {
		open = 1;
		fz_event_functions(lun, &poll, &stop);
	}
	for (int i = 0; i < MAX_OPS && in.n > 0; i++) {
		uint8_t op = fz_u8(&in) & 7;

		switch (op) {
		case 0: fz_control(&in, lun); break;
		case 1: fz_get_capability(&in, lun); break;
		case 2: fz_set_capability(&in, lun); break;
		case 3: (void)IFDHSetProtocolParameters(lun, fz_u8(&in), 0, 0, 0, 0); break;
		case 4:
			len = sizeof atr;
			(void)IFDHPowerICC(lun, IFD_POWER_UP, atr, &len);
			break;
		case 5:
			if (poll)
				(void)poll(lun, 0);
			break;
		case 6: fz_get_capability(&in, stranger); break;
		default: fz_control(&in, stranger); break;
		}
		fz_sim_drain();
	}
	if (open && IFDHCloseChannel(lun) != IFD_SUCCESS)
		fz_fail("IFDHCloseChannel failed");
	fz_sim_drain();
	fz_sim_close();
	if (fz_open_fds() != baseline_fds)
		fz_fail("file descriptors left open");
	(void)stop;
	return 0;
}
