/*
 * ifdh.c - checked IFDH calls shared by the fuzz targets (see ifdh.h).
 */
#include "ifdh.h"

#include <stdlib.h>
#include <string.h>

#include "fakesim.h"

/* Tags pcscd and clients ask for, then anything. */
static const DWORD known_tags[] = {
	TAG_IFD_ATR, TAG_IFD_SLOTNUM, TAG_IFD_SLOT_THREAD_SAFE, TAG_IFD_THREAD_SAFE,
	TAG_IFD_SLOTS_NUMBER, TAG_IFD_SIMULTANEOUS_ACCESS, TAG_IFD_POLLING_THREAD,
	TAG_IFD_POLLING_THREAD_KILLABLE, TAG_IFD_STOP_POLLING_THREAD,
	TAG_IFD_POLLING_THREAD_WITH_TIMEOUT,
	SCARD_ATTR_VENDOR_NAME, SCARD_ATTR_VENDOR_IFD_TYPE, SCARD_ATTR_VENDOR_IFD_VERSION,
	SCARD_ATTR_VENDOR_IFD_SERIAL_NO, SCARD_ATTR_CHANNEL_ID, SCARD_ATTR_MAXINPUT,
	SCARD_ATTR_ICC_PRESENCE, SCARD_ATTR_ICC_INTERFACE_STATUS, SCARD_ATTR_ATR_STRING,
	SCARD_ATTR_CURRENT_PROTOCOL_TYPE, SCARD_ATTR_DEVICE_FRIENDLY_NAME,
	SCARD_ATTR_ASYNC_PROTOCOL_TYPES, SCARD_ATTR_CHARACTERISTICS,
};
#define NKNOWN (sizeof known_tags / sizeof known_tags[0])

static const DWORD lengths[] = { 0, 1, 2, 3, 4, 7, 8, 14, 15, 32, 33, 34, 64, 65, 264 };
#define NLENGTHS (sizeof lengths / sizeof lengths[0])

unsigned char *fz_buffer(size_t n, int null)
{
	unsigned char *b;

	if (null)
		return NULL;
	b = malloc(n ? n : 1);
	if (!b)
		fz_fail("out of memory");
	memset(b, 0xA5, n);
	return b;
}

static DWORD pick_tag(struct fz_in *in)
{
	uint8_t c = fz_u8(in);

	if (c < NKNOWN)
		return known_tags[c];
	if (c < 0xF0)
		return known_tags[c % NKNOWN];
	return (DWORD)fz_u32(in);
}

static DWORD pick_length(struct fz_in *in)
{
	uint8_t c = fz_u8(in);

	return c < 0xF0 ? lengths[c % NLENGTHS] : fz_u16(in);
}

/* A reader attribute has the shape of its tag: a string is printable and
 * ends with its only NUL, a DWORD is 4 bytes, a flag 1 byte, an ATR 1-33. */
static void check_shape(DWORD tag, const unsigned char *v, DWORD len)
{
	switch (tag) {
	case SCARD_ATTR_VENDOR_NAME:
	case SCARD_ATTR_VENDOR_IFD_TYPE:
	case SCARD_ATTR_VENDOR_IFD_SERIAL_NO:
		if (len < 2 || v[len - 1] != '\0')
			fz_fail("attribute %lX: not a terminated string", (unsigned long)tag);
		for (DWORD i = 0; i + 1 < len; i++)
			if (v[i] < 0x20 || v[i] > 0x7E)
				fz_fail("attribute %lX: byte %02X", (unsigned long)tag, v[i]);
		break;
	case SCARD_ATTR_VENDOR_IFD_VERSION:
	case SCARD_ATTR_CHANNEL_ID:
	case SCARD_ATTR_MAXINPUT:
	case SCARD_ATTR_CURRENT_PROTOCOL_TYPE:
		if (len != 4)
			fz_fail("attribute %lX: %lu bytes, not a DWORD", (unsigned long)tag, (unsigned long)len);
		break;
	case SCARD_ATTR_ICC_PRESENCE:
	case SCARD_ATTR_ICC_INTERFACE_STATUS:
	case TAG_IFD_SLOTS_NUMBER:
		if (len != 1)
			fz_fail("attribute %lX: %lu bytes, not one", (unsigned long)tag, (unsigned long)len);
		break;
	case TAG_IFD_ATR:
	case SCARD_ATTR_ATR_STRING:
		if (len > 33)
			fz_fail("ATR of %lu bytes", (unsigned long)len);
		break;
	default:
		break;
	}
}

void fz_get_capability(struct fz_in *in, DWORD lun)
{
	DWORD tag = pick_tag(in), cap = pick_length(in), len = cap;
	uint8_t how = fz_u8(in);
	unsigned char *v = fz_buffer(cap, how & 1);
	RESPONSECODE rv = IFDHGetCapabilities(lun, tag, (how & 2) ? NULL : &len, v);

	if (rv == IFD_SUCCESS && (how & 2))
		fz_fail("GetCapabilities(%lX) succeeded without a Length", (unsigned long)tag);
	if (rv == IFD_SUCCESS && len > cap)
		fz_fail("GetCapabilities(%lX) returned %lu bytes into %lu", (unsigned long)tag,
			(unsigned long)len, (unsigned long)cap);
	if (rv == IFD_SUCCESS && len > 0 && !v)
		fz_fail("GetCapabilities(%lX) returned %lu bytes into NULL", (unsigned long)tag,
			(unsigned long)len);
	if (rv == IFD_SUCCESS)
		check_shape(tag, v, len);
	free(v);
}

void fz_set_capability(struct fz_in *in, DWORD lun)
{
	DWORD tag = pick_tag(in), cap = pick_length(in);
	unsigned char *v = fz_buffer(cap, fz_u8(in) & 1);

	(void)IFDHSetCapabilities(lun, tag, cap, v);
	free(v);
}

static const DWORD tlv_ioctl = SCARD_CTL_CODE(FEATURE_GET_TLV_PROPERTIES + 0x330000);

void fz_control(struct fz_in *in, DWORD lun)
{
	uint8_t c = fz_u8(in), how = fz_u8(in);
	DWORD code = c < 0x40 ? CM_IOCTL_GET_FEATURE_REQUEST : c < 0x80 ? tlv_ioctl :
		c < 0x90 ? 0x313520 : c < 0xA0 ? SCARD_CTL_CODE(c) : (DWORD)fz_u32(in);
	DWORD txlen = pick_length(in), cap = pick_length(in), ret = 0xDEAD;
	unsigned char *tx = fz_buffer(txlen, how & 1), *rx = fz_buffer(cap, how & 2);
	RESPONSECODE rv = IFDHControl(lun, code, tx, txlen, rx, cap, (how & 4) ? NULL : &ret);

	if (how & 4) {
		if (rv == IFD_SUCCESS)
			fz_fail("Control(%lX) succeeded without pdwBytesReturned", (unsigned long)code);
	} else if (rv == IFD_SUCCESS ? ret > cap || (ret > 0 && !rx) : ret != 0) {
		fz_fail("Control(%lX) -> %ld with %lu bytes returned into %lu", (unsigned long)code,
			(long)rv, (unsigned long)ret, (unsigned long)cap);
	}
	free(tx);
	free(rx);
}

void fz_event_functions(DWORD lun, fz_poll_fn *poll, fz_stop_fn *stop)
{
	unsigned char buf[sizeof(void *)];
	DWORD len = sizeof buf;

	if (IFDHGetCapabilities(lun, TAG_IFD_POLLING_THREAD_WITH_TIMEOUT, &len, buf) != IFD_SUCCESS ||
	    len != sizeof *poll)
		fz_fail("no TAG_IFD_POLLING_THREAD_WITH_TIMEOUT");
	memcpy(poll, buf, sizeof *poll);
	len = sizeof buf;
	if (IFDHGetCapabilities(lun, TAG_IFD_STOP_POLLING_THREAD, &len, buf) != IFD_SUCCESS ||
	    len != sizeof *stop)
		fz_fail("no TAG_IFD_STOP_POLLING_THREAD");
	memcpy(stop, buf, sizeof *stop);
}
