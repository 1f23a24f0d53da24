/*
 * attrib.h - what the reader says about itself: the values of the
 * IFDHGetCapabilities tags that SCardGetAttrib forwards, and the PC/SC
 * part 10 TLV properties (SCardControl FEATURE_GET_TLV_PROPERTIES), both
 * computed from a snapshot of one slot. Pure functions: no I/O, no locks
 * (the caller takes the snapshot under its own lock).
 *
 * Values follow the CCID driver (LudovicRousseau/CCID 1.5.2, ifdhandler.c)
 * wherever it answers the same tag: strings NUL-terminated with the NUL
 * counted, numbers as a native-endian 32-bit DWORD.
 */
#ifndef MYNASIM_ATTRIB_H
#define MYNASIM_ATTRIB_H

#pragma GCC visibility push(default)   /* ifdhandler.h declares the exported IFDH* API */
#include <ifdhandler.h>
#pragma GCC visibility pop
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wire.h"

#define MYNA_VENDOR_NAME    "mynasim"
#define MYNA_IFD_TYPE       "Virtual Reader"
/* Part 10 wIdVendor / wIdProduct: there is no USB device. 0xFFFF is a
 * vendor ID the USB-IF never assigns, so no driver quirk keyed on a real
 * reader's IDs (OpenSC has some) can match ours. */
#define MYNA_ID_VENDOR      0xFFFFu
#define MYNA_ID_PRODUCT     0x0001u
/* SCARD_ATTR_CHANNEL_ID 0xDDDDCCCC: DDDD the channel type (0xF0-0xFF are
 * vendor-defined; USB is 0x20), CCCC the slot in the simulator. */
#define MYNA_CHANNEL_UNIX   0x00F0u
#define MYNA_CHANNEL_TCP    0x00F1u
#define MYNA_MAX_APDU_EXT   65535u  /* dwMaxAPDUDataSize with the extended flag */

/* One slot as the attributes see it. */
struct myna_slot_view {
	uint8_t index;              /* the slot in the simulator (Lun & 0xFFFF) */
	unsigned slots;             /* slots:N of the DEVICENAME */
	bool tcp;                   /* the simulator is reached over TCP */
	bool present;               /* card present (last CARD_EVENT) */
	uint8_t flags;              /* MYNA_FLAG_* of the last CARD_EVENT */
	uint8_t atr[MYNA_MAX_ATR];  /* ATR of the last POWER_ON / RESET */
	size_t atr_len;
	uint32_t protocol;          /* SCARD_PROTOCOL_T0 / _T1 once set, 0 before */
	struct myna_identity id;    /* from HELLO_ACK; "" where the simulator sent none */
};

/* Copy n bytes to Value if *Length can hold them, and set *Length. */
RESPONSECODE myna_put(PDWORD Length, PUCHAR Value, const void *data, size_t n);

/* The value of one attribute: IFD_SUCCESS, IFD_ERROR_TAG for a tag the
 * reader does not answer (pcscd then answers SCARD_ATTR_DEVICE_FRIENDLY_NAME
 * itself, anything else is SCARD_E_UNSUPPORTED_FEATURE), or
 * IFD_ERROR_INSUFFICIENT_BUFFER. */
RESPONSECODE myna_attribute(const struct myna_slot_view *v, DWORD Tag, PDWORD Length, PUCHAR Value);

/* FEATURE_GET_TLV_PROPERTIES: the TLVs into out (cap bytes), *ret their length. */
RESPONSECODE myna_tlv_properties(const struct myna_slot_view *v, PUCHAR out, DWORD cap, LPDWORD ret);

/* "MAJOR.MINOR.BUILD" as the 0xMMmmbbbb of SCARD_ATTR_VENDOR_IFD_VERSION
 * (each part clamped to its field; missing parts are 0). */
uint32_t myna_version_dword(const char *text);

#endif
