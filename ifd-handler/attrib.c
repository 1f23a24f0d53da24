/*
 * attrib.c - reader attributes and part 10 TLV properties (see attrib.h).
 */
#include "attrib.h"

#include <reader.h>
#include <string.h>

/* Set by the Makefile from the project version (Sources/mynasim/Mynasim.swift). */
#ifndef MYNASIM_VERSION
#error "MYNASIM_VERSION is not defined: build with make, which sets it from the project version"
#endif

RESPONSECODE myna_put(PDWORD Length, PUCHAR Value, const void *data, size_t n)
{
	if (!Length)
		return IFD_COMMUNICATION_ERROR;
	if (!Value || *Length < n)
		return IFD_ERROR_INSUFFICIENT_BUFFER;
	if (n > 0)
		memcpy(Value, data, n);
	*Length = (DWORD)n;
	return IFD_SUCCESS;
}

static RESPONSECODE put_byte(PDWORD Length, PUCHAR Value, uint8_t b)
{
	return myna_put(Length, Value, &b, 1);
}

static RESPONSECODE put_dword(PDWORD Length, PUCHAR Value, uint32_t d)
{
	return myna_put(Length, Value, &d, sizeof d);
}

static RESPONSECODE put_string(PDWORD Length, PUCHAR Value, const char *s)
{
	return myna_put(Length, Value, s, strlen(s) + 1);
}

static unsigned long leading_number(const char **p)
{
	unsigned long n = 0;

	while (**p >= '0' && **p <= '9') {
		if (n < 0x10000)
			n = n * 10 + (unsigned long)(**p - '0');
		(*p)++;
	}
	if (**p == '.')
		(*p)++;
	return n;
}

uint32_t myna_version_dword(const char *text)
{
	unsigned long major = leading_number(&text);
	unsigned long minor = leading_number(&text);
	unsigned long build = leading_number(&text);

	if (major > 0xFF)
		major = 0xFF;
	if (minor > 0xFF)
		minor = 0xFF;
	if (build > 0xFFFF)
		build = 0xFFFF;
	return (uint32_t)(major << 24 | minor << 16 | build);
}

RESPONSECODE myna_attribute(const struct myna_slot_view *v, DWORD Tag, PDWORD Length, PUCHAR Value)
{
	switch (Tag) {
	case TAG_IFD_ATR:
	case SCARD_ATTR_ATR_STRING:         /* empty before a power-up, as CCID */
		return myna_put(Length, Value, v->atr, v->atr_len);
	case TAG_IFD_SLOTS_NUMBER:
		return put_byte(Length, Value, (uint8_t)v->slots);
	case SCARD_ATTR_ICC_PRESENCE:       /* 0 absent, 2 present (and "swallowed") */
		return put_byte(Length, Value, v->present ? 2 : 0);
	case SCARD_ATTR_ICC_INTERFACE_STATUS: /* CCID: contacts "active" while a card is in */
		return put_byte(Length, Value, v->present ? 1 : 0);
	case SCARD_ATTR_VENDOR_NAME:
		return put_string(Length, Value, MYNA_VENDOR_NAME);
	case SCARD_ATTR_VENDOR_IFD_TYPE:
		return put_string(Length, Value, MYNA_IFD_TYPE);
	case SCARD_ATTR_VENDOR_IFD_VERSION: /* the handler's (= the project's) version */
		return put_dword(Length, Value, myna_version_dword(MYNASIM_VERSION));
	case SCARD_ATTR_VENDOR_IFD_SERIAL_NO: /* only the simulator knows one */
		if (v->id.serial[0] == '\0')
			return IFD_ERROR_TAG;
		return put_string(Length, Value, v->id.serial);
	case SCARD_ATTR_CHANNEL_ID:
		return put_dword(Length, Value,
			(uint32_t)(v->tcp ? MYNA_CHANNEL_TCP : MYNA_CHANNEL_UNIX) << 16 | v->index);
	case SCARD_ATTR_MAXINPUT:           /* the largest command APDU the wire carries */
		return put_dword(Length, Value, MYNA_MAX_APDU);
	case SCARD_ATTR_CURRENT_PROTOCOL_TYPE:
		return put_dword(Length, Value, v->protocol);
	default:
		return IFD_ERROR_TAG;
	}
}

static size_t tlv(uint8_t *p, size_t at, uint8_t tag, const void *value, size_t n)
{
	p[at] = tag;
	p[at + 1] = (uint8_t)n;
	memcpy(p + at + 2, value, n);
	return at + 2 + n;
}

/* Little-endian, as the CCID driver writes part 10 numbers. */
static size_t tlv_number(uint8_t *p, size_t at, uint8_t tag, uint32_t value, size_t n)
{
	uint8_t le[4] = { (uint8_t)value, (uint8_t)(value >> 8), (uint8_t)(value >> 16),
		(uint8_t)(value >> 24) };

	return tlv(p, at, tag, le, n);
}

/* A plain reader: no display, no PIN pad, no PPDU. dwMaxAPDUDataSize
 * follows the card's extended flag, which is what makes OpenSC send
 * extended APDUs (0 = short APDUs only). The same order as CCID. */
RESPONSECODE myna_tlv_properties(const struct myna_slot_view *v, PUCHAR out, DWORD cap, LPDWORD ret)
{
	uint8_t p[32 + MYNA_FIRMWARE_MAX];
	size_t n = 0;

	n = tlv_number(p, n, PCSCv2_PART10_PROPERTY_wLcdLayout, 0, 2);
	n = tlv_number(p, n, PCSCv2_PART10_PROPERTY_bTimeOut2, 0, 1);
	if (v->id.firmware[0] != '\0')
		n = tlv(p, n, PCSCv2_PART10_PROPERTY_sFirmwareID, v->id.firmware, strlen(v->id.firmware));
	n = tlv_number(p, n, PCSCv2_PART10_PROPERTY_bPPDUSupport, 0, 1);
	n = tlv_number(p, n, PCSCv2_PART10_PROPERTY_wIdVendor, MYNA_ID_VENDOR, 2);
	n = tlv_number(p, n, PCSCv2_PART10_PROPERTY_wIdProduct, MYNA_ID_PRODUCT, 2);
	n = tlv_number(p, n, PCSCv2_PART10_PROPERTY_dwMaxAPDUDataSize,
		(v->flags & MYNA_FLAG_EXTENDED) ? MYNA_MAX_APDU_EXT : 0, 4);
	if (!ret)
		return IFD_COMMUNICATION_ERROR;
	if (!out || cap < n)
		return IFD_ERROR_INSUFFICIENT_BUFFER;
	memcpy(out, p, n);
	*ret = (DWORD)n;
	return IFD_SUCCESS;
}
