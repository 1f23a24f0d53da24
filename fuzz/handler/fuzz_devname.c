/*
 * fuzz_devname.c - the reader.conf DEVICENAME parser (devname.c).
 *
 * Input: one byte choosing the size of the error buffer, then the
 * DEVICENAME (cut at the first NUL, as pcscd would hand it over).
 * Checked: an accepted name yields a usable endpoint (an absolute,
 * NUL-terminated socket path with the matching address length, or a
 * loopback TCP address with a port), options in range and a terminated
 * log text; a refused one leaves a terminated message in the buffer.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>

#include "../../ifd-handler/devname.h"
#include "check.h"

static void check_endpoint(const struct myna_config *cfg)
{
	const struct myna_endpoint *ep = &cfg->ep;

	if (cfg->slots < 1 || cfg->slots > MYNA_MAX_SLOTS)
		fz_fail("slots %u accepted", cfg->slots);
	if (cfg->timeout_ms < 1 || cfg->timeout_ms > MYNA_MAX_TIMEOUT_MS)
		fz_fail("timeout %u accepted", cfg->timeout_ms);
	if (!memchr(ep->text, '\0', sizeof ep->text))
		fz_fail("endpoint text not terminated");
	if (ep->addr.ss_family == AF_UNIX) {
		const struct sockaddr_un *un = (const struct sockaddr_un *)&ep->addr;
		const char *end = memchr(un->sun_path, '\0', sizeof un->sun_path);

		if (ep->tcp || !end || un->sun_path[0] != '/' ||
		    ep->addrlen != offsetof(struct sockaddr_un, sun_path) + (size_t)(end - un->sun_path) + 1)
			fz_fail("bad unix endpoint %s", ep->text);
	} else if (ep->addr.ss_family == AF_INET) {
		const struct sockaddr_in *in4 = (const struct sockaddr_in *)&ep->addr;

		if (!ep->tcp || ep->addrlen != sizeof *in4 || (ntohl(in4->sin_addr.s_addr) >> 24) != 127 ||
		    in4->sin_port == 0)
			fz_fail("bad IPv4 endpoint %s", ep->text);
	} else if (ep->addr.ss_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)&ep->addr;

		if (!ep->tcp || ep->addrlen != sizeof *in6 || !IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr) ||
		    in6->sin6_port == 0)
			fz_fail("bad IPv6 endpoint %s", ep->text);
	} else {
		fz_fail("address family %d", ep->addr.ss_family);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const size_t errlens[] = { 1, 2, 16, 200 };
	struct myna_config cfg;
	size_t errlen;
	char *name, *err;

	if (size == 0)
		return 0;
	errlen = errlens[data[0] & 3];
	name = malloc(size);
	err = malloc(errlen);
	if (!name || !err)
		abort();
	memcpy(name, data + 1, size - 1);
	name[size - 1] = '\0';
	memset(err, 'X', errlen);
	memset(&cfg, 0xA5, sizeof cfg);
	if (myna_parse_devicename(name, &cfg, err, errlen) == 0)
		check_endpoint(&cfg);
	else if (!memchr(err, '\0', errlen))
		fz_fail("error message not terminated");
	free(name);
	free(err);
	return 0;
}
