/*
 * test_attrib.c - table tests of the reader identity parser (wire.c) and of
 * the reader attributes and part 10 properties (attrib.c); no pcscd needed.
 * Built with -DMYNASIM_VERSION='"1.2.3"' by run-tests.sh; prints one line
 * per failing case and "attrib: N cases, M failed".
 */
#define _GNU_SOURCE
#include "../attrib.h"

#include <reader.h>
#include <stdio.h>
#include <string.h>

static int n, failed;

static void expect(int ok, const char *what)
{
	n++;
	if (!ok) {
		printf("FAIL %s\n", what);
		failed++;
	}
}

struct idcase {
	const char *name;
	const char *tlvs;     /* bytes */
	size_t len;
	int ok;
	const char *serial, *firmware;
};

static const struct idcase idcases[] = {
	{ "none", "", 0, 1, "", "" },
	{ "the example of docs/wire-protocol.md", "\x01\x08" "MNS-0001" "\x02\x0d" "mynasim 0.1.0", 25, 1,
	  "MNS-0001", "mynasim 0.1.0" },
	{ "serial", "\x01\x04" "AB-1", 6, 1, "AB-1", "" },
	{ "both", "\x01\x02" "S1" "\x02\x05" "fw1.0", 11, 1, "S1", "fw1.0" },
	{ "unknown tag skipped", "\x7f\x03" "xyz" "\x01\x01" "Z", 8, 1, "Z", "" },
	{ "empty unknown tag", "\x7f\x00", 2, 1, "", "" },
	{ "truncated header", "\x01", 1, 0, "", "" },
	{ "truncated value", "\x01\x05" "AB", 4, 0, "", "" },
	{ "empty serial", "\x01\x00", 2, 0, "", "" },
	{ "repeated serial", "\x01\x01" "A" "\x01\x01" "B", 6, 0, "", "" },
	{ "control byte", "\x01\x02" "A\n", 4, 0, "", "" },
	{ "NUL byte", "\x02\x02" "A\0", 4, 0, "", "" },
	{ "high byte", "\x02\x02" "A\xc3", 4, 0, "", "" },
	{ "serial of 32", "\x01\x20" "0123456789ABCDEF0123456789ABCDEF", 34, 1,
	  "0123456789ABCDEF0123456789ABCDEF", "" },
	{ "serial of 33", "\x01\x21" "0123456789ABCDEF0123456789ABCDEF0", 35, 0, "", "" },
};

static void identity_tests(void)
{
	char what[128];

	for (size_t i = 0; i < sizeof idcases / sizeof idcases[0]; i++) {
		const struct idcase *c = &idcases[i];
		struct myna_identity id;
		int r = myna_parse_identity((const uint8_t *)c->tlvs, c->len, &id);

		snprintf(what, sizeof what, "identity \"%s\": %s", c->name, r == 0 ? "accepted" : "refused");
		expect((r == 0) == c->ok && strcmp(id.serial, c->serial) == 0 &&
			strcmp(id.firmware, c->firmware) == 0, what);
	}
}

static void version_tests(void)
{
	expect(myna_version_dword("0.1.0") == 0x00010000u, "version 0.1.0");
	expect(myna_version_dword("1.2.3") == 0x01020003u, "version 1.2.3");
	expect(myna_version_dword("12.34.5678") == 0x0C22162Eu, "version 12.34.5678");
	expect(myna_version_dword("2") == 0x02000000u, "version 2");
	expect(myna_version_dword("300.1.70000") == 0xFF01FFFFu, "version clamped");
	expect(myna_version_dword("") == 0, "version empty");
}

static int attr(const struct myna_slot_view *v, DWORD tag, DWORD cap, unsigned char *out, DWORD *len)
{
	*len = cap;
	return (int)myna_attribute(v, tag, len, out);
}

static uint32_t dword_of(const unsigned char *b)
{
	uint32_t d;

	memcpy(&d, b, sizeof d);
	return d;
}

static void attribute_tests(void)
{
	struct myna_slot_view v = { .index = 1, .slots = 2, .present = true, .flags = 0x07,
		.atr = { 0x3B, 0x80, 0x80, 0x01, 0x01 }, .atr_len = 5, .protocol = SCARD_PROTOCOL_T1 };
	unsigned char b[264];
	DWORD len;

	expect(attr(&v, SCARD_ATTR_VENDOR_NAME, sizeof b, b, &len) == IFD_SUCCESS && len == 8 &&
		memcmp(b, "mynasim", 8) == 0, "VENDOR_NAME mynasim, NUL counted");
	expect(attr(&v, SCARD_ATTR_VENDOR_IFD_TYPE, sizeof b, b, &len) == IFD_SUCCESS && len == 15 &&
		memcmp(b, "Virtual Reader", 15) == 0, "VENDOR_IFD_TYPE");
	expect(attr(&v, SCARD_ATTR_VENDOR_IFD_VERSION, sizeof b, b, &len) == IFD_SUCCESS && len == 4 &&
		dword_of(b) == 0x01020003u, "VENDOR_IFD_VERSION from MYNASIM_VERSION 1.2.3");
	expect(attr(&v, SCARD_ATTR_VENDOR_IFD_SERIAL_NO, sizeof b, b, &len) == IFD_ERROR_TAG,
		"VENDOR_IFD_SERIAL_NO unsupported without an identity");
	strcpy(v.id.serial, "MNS-0001");
	expect(attr(&v, SCARD_ATTR_VENDOR_IFD_SERIAL_NO, sizeof b, b, &len) == IFD_SUCCESS && len == 9 &&
		strcmp((char *)b, "MNS-0001") == 0, "VENDOR_IFD_SERIAL_NO from the identity");
	expect(attr(&v, SCARD_ATTR_VENDOR_IFD_SERIAL_NO, 8, b, &len) == IFD_ERROR_INSUFFICIENT_BUFFER,
		"VENDOR_IFD_SERIAL_NO into 8 bytes: insufficient buffer");
	expect(attr(&v, SCARD_ATTR_CHANNEL_ID, sizeof b, b, &len) == IFD_SUCCESS && dword_of(b) == 0x00F00001u,
		"CHANNEL_ID unix slot 1");
	v.tcp = true;
	expect(attr(&v, SCARD_ATTR_CHANNEL_ID, sizeof b, b, &len) == IFD_SUCCESS && dword_of(b) == 0x00F10001u,
		"CHANNEL_ID tcp slot 1");
	expect(attr(&v, SCARD_ATTR_MAXINPUT, sizeof b, b, &len) == IFD_SUCCESS && dword_of(b) == 65544,
		"MAXINPUT 65544");
	expect(attr(&v, SCARD_ATTR_ICC_PRESENCE, sizeof b, b, &len) == IFD_SUCCESS && len == 1 && b[0] == 2,
		"ICC_PRESENCE 2");
	expect(attr(&v, SCARD_ATTR_ICC_INTERFACE_STATUS, sizeof b, b, &len) == IFD_SUCCESS && b[0] == 1,
		"ICC_INTERFACE_STATUS 1");
	expect(attr(&v, SCARD_ATTR_ATR_STRING, sizeof b, b, &len) == IFD_SUCCESS && len == 5 && b[1] == 0x80,
		"ATR_STRING");
	expect(attr(&v, SCARD_ATTR_ATR_STRING, 4, b, &len) == IFD_ERROR_INSUFFICIENT_BUFFER,
		"ATR_STRING into 4 bytes: insufficient buffer");
	expect(attr(&v, SCARD_ATTR_CURRENT_PROTOCOL_TYPE, sizeof b, b, &len) == IFD_SUCCESS &&
		dword_of(b) == SCARD_PROTOCOL_T1, "CURRENT_PROTOCOL_TYPE T=1");
	expect(attr(&v, TAG_IFD_SLOTS_NUMBER, sizeof b, b, &len) == IFD_SUCCESS && b[0] == 2, "SLOTS_NUMBER");
	expect(attr(&v, SCARD_ATTR_DEVICE_FRIENDLY_NAME, sizeof b, b, &len) == IFD_ERROR_TAG,
		"DEVICE_FRIENDLY_NAME left to pcscd");
	expect(attr(&v, SCARD_ATTR_CHARACTERISTICS, sizeof b, b, &len) == IFD_ERROR_TAG,
		"CHARACTERISTICS unsupported");
	expect(myna_attribute(&v, SCARD_ATTR_VENDOR_NAME, NULL, b) == IFD_COMMUNICATION_ERROR,
		"no Length: error");
	v.present = false;
	v.atr_len = 0;
	v.protocol = 0;
	expect(attr(&v, SCARD_ATTR_ICC_PRESENCE, sizeof b, b, &len) == IFD_SUCCESS && b[0] == 0, "ICC_PRESENCE 0");
	expect(attr(&v, SCARD_ATTR_ATR_STRING, sizeof b, b, &len) == IFD_SUCCESS && len == 0,
		"ATR_STRING empty without a card");
	expect(attr(&v, SCARD_ATTR_CURRENT_PROTOCOL_TYPE, sizeof b, b, &len) == IFD_SUCCESS &&
		dword_of(b) == 0, "CURRENT_PROTOCOL_TYPE 0 without a card");
}

/* The property `tag` in a TLV list, or NULL. */
static const unsigned char *prop(const unsigned char *p, DWORD n, unsigned char tag, unsigned *len)
{
	for (DWORD i = 0; i + 2 <= n; i += 2u + p[i + 1])
		if (p[i] == tag && i + 2u + p[i + 1] <= n) {
			*len = p[i + 1];
			return p + i + 2;
		}
	return NULL;
}

static void property_tests(void)
{
	struct myna_slot_view v = { .present = true, .flags = MYNA_FLAG_PRESENT | MYNA_FLAG_EXTENDED };
	unsigned char b[128];
	const unsigned char *p;
	DWORD ret = 0;
	unsigned len;

	expect(myna_tlv_properties(&v, b, sizeof b, &ret) == IFD_SUCCESS, "TLV properties");
	expect((p = prop(b, ret, PCSCv2_PART10_PROPERTY_dwMaxAPDUDataSize, &len)) && len == 4 &&
		p[0] == 0xFF && p[1] == 0xFF && p[2] == 0 && p[3] == 0, "dwMaxAPDUDataSize 65535 (extended)");
	expect((p = prop(b, ret, PCSCv2_PART10_PROPERTY_wIdVendor, &len)) && len == 2 && p[0] == 0xFF &&
		p[1] == 0xFF, "wIdVendor FFFF");
	expect((p = prop(b, ret, PCSCv2_PART10_PROPERTY_wIdProduct, &len)) && len == 2 && p[0] == 1 &&
		p[1] == 0, "wIdProduct 0001");
	expect(!prop(b, ret, PCSCv2_PART10_PROPERTY_sFirmwareID, &len), "no sFirmwareID without an identity");
	strcpy(v.id.firmware, "mynasim 1.2.3");
	v.flags = MYNA_FLAG_PRESENT;
	expect(myna_tlv_properties(&v, b, sizeof b, &ret) == IFD_SUCCESS &&
		(p = prop(b, ret, PCSCv2_PART10_PROPERTY_sFirmwareID, &len)) && len == 13 &&
		memcmp(p, "mynasim 1.2.3", 13) == 0, "sFirmwareID from the identity");
	expect((p = prop(b, ret, PCSCv2_PART10_PROPERTY_dwMaxAPDUDataSize, &len)) && p[0] == 0 && p[1] == 0,
		"dwMaxAPDUDataSize 0 (short only)");
	expect(myna_tlv_properties(&v, b, ret - 1, &ret) == IFD_ERROR_INSUFFICIENT_BUFFER,
		"one byte short: insufficient buffer");
}

int main(void)
{
	identity_tests();
	version_tests();
	attribute_tests();
	property_tests();
	printf("attrib: %d cases, %d failed\n", n, failed);
	return failed != 0;
}
