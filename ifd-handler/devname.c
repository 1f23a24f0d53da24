/*
 * devname.c - DEVICENAME parsing (see devname.h for the accepted forms).
 * Strict on purpose: a typo in reader.conf should fail the reader at load
 * time with a message, not silently talk to the wrong place.
 */
#define _GNU_SOURCE
#include "devname.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>

#define PREFIX "mynasim:"

static int fail(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

/* Decimal only, no sign, no spaces, within [min, max]. */
static int parse_uint(const char *s, unsigned min, unsigned max, unsigned *out)
{
	char *end;
	unsigned long v;

	if (!isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return -1;
	*out = (unsigned)v;
	return 0;
}

/* Trim blanks, then one pair of enclosing quotes (pcscd keeps them). */
static char *unquote(char *s)
{
	size_t n;

	while (isspace((unsigned char)*s))
		s++;
	n = strlen(s);
	while (n > 0 && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
	if (n >= 2 && (s[0] == '"' || s[0] == '\'') && s[n - 1] == s[0]) {
		s[n - 1] = '\0';
		s++;
	}
	return s;
}

static int parse_unix(const char *path, struct myna_endpoint *ep, char *err, size_t errlen)
{
	struct sockaddr_un *un = (struct sockaddr_un *)&ep->addr;
	size_t n = strlen(path);

	/* pcscd chdir("/")s, so a relative path would silently mean /path */
	if (path[0] != '/')
		return fail(err, errlen, "socket path must be absolute: \"%s\"", path);
	if (n >= sizeof un->sun_path)
		return fail(err, errlen, "socket path too long (max %zu bytes)", sizeof un->sun_path - 1);
	memset(&ep->addr, 0, sizeof ep->addr);
	un->sun_family = AF_UNIX;
	memcpy(un->sun_path, path, n + 1);
	ep->addrlen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n + 1);
	ep->tcp = 0;
	snprintf(ep->text, sizeof ep->text, "unix:%s", path);
	return 0;
}

/* "HOST:PORT" where HOST is 127.x.y.z, ::1, [::1] or localhost (the
 * brackets need a quoted DEVICENAME: pcscd's lexer rejects them). Only
 * loopback: anything else would let the network impersonate the card. */
static int parse_tcp(char *hostport, struct myna_endpoint *ep, char *err, size_t errlen)
{
	char *colon = strrchr(hostport, ':');
	char *host = hostport;
	unsigned port;
	size_t hn;

	if (!colon || parse_uint(colon + 1, 1, 65535, &port) != 0)
		return fail(err, errlen, "tcp address needs HOST:PORT (port 1-65535)");
	*colon = '\0';
	hn = strlen(host);
	if (hn >= 2 && host[0] == '[' && host[hn - 1] == ']') {
		host[hn - 1] = '\0';
		host++;
	}
	if (strcmp(host, "localhost") == 0)
		host = "127.0.0.1";
	memset(&ep->addr, 0, sizeof ep->addr);
	struct sockaddr_in *in4 = (struct sockaddr_in *)&ep->addr;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ep->addr;
	if (inet_pton(AF_INET, host, &in4->sin_addr) == 1) {
		if ((ntohl(in4->sin_addr.s_addr) >> 24) != 127)
			return fail(err, errlen, "tcp host %s is not a loopback address", host);
		in4->sin_family = AF_INET;
		in4->sin_port = htons((uint16_t)port);
		ep->addrlen = sizeof *in4;
		snprintf(ep->text, sizeof ep->text, "tcp:%s:%u", host, port);
	} else if (inet_pton(AF_INET6, host, &in6->sin6_addr) == 1) {
		if (!IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr))
			return fail(err, errlen, "tcp host %s is not a loopback address", host);
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)port);
		ep->addrlen = sizeof *in6;
		snprintf(ep->text, sizeof ep->text, "tcp:[%s]:%u", host, port);
	} else {
		return fail(err, errlen, "tcp host must be a numeric loopback address or localhost");
	}
	ep->tcp = 1;
	return 0;
}

/* One "key:value" option. */
static int parse_option(char *opt, struct myna_config *cfg, char *err, size_t errlen)
{
	char *sep = strchr(opt, ':');

	if (!sep)
		return fail(err, errlen, "option \"%s\" is not key:value", opt);
	*sep = '\0';
	if (strcmp(opt, "slots") == 0) {
		if (parse_uint(sep + 1, 1, MYNA_MAX_SLOTS, &cfg->slots) != 0)
			return fail(err, errlen, "slots must be 1-%u", MYNA_MAX_SLOTS);
	} else if (strcmp(opt, "timeout") == 0) {
		if (parse_uint(sep + 1, 1, MYNA_MAX_TIMEOUT_MS, &cfg->timeout_ms) != 0)
			return fail(err, errlen, "timeout must be 1-%u ms", MYNA_MAX_TIMEOUT_MS);
	} else {
		return fail(err, errlen, "unknown option \"%s\"", opt);
	}
	return 0;
}

int myna_parse_devicename(const char *devicename, struct myna_config *cfg,
	char *err, size_t errlen)
{
	char buf[512];
	char *s, *opts, *opt;

	if (!devicename)
		return fail(err, errlen, "no DEVICENAME");
	if (strlen(devicename) >= sizeof buf)
		return fail(err, errlen, "DEVICENAME too long");
	strcpy(buf, devicename);
	s = unquote(buf);
	if (strncmp(s, PREFIX, strlen(PREFIX)) != 0)
		return fail(err, errlen, "DEVICENAME must start with \"" PREFIX "\"");
	s += strlen(PREFIX);
	cfg->slots = MYNA_DEFAULT_SLOTS;
	cfg->timeout_ms = MYNA_DEFAULT_TIMEOUT_MS;
	/* the address ends at the first '@' (a socket path cannot contain one) */
	opts = strchr(s, '@');
	if (opts)
		*opts++ = '\0';
	while (opts && (opt = strsep(&opts, "@")) != NULL)
		if (parse_option(opt, cfg, err, errlen) != 0)
			return -1;
	if (strncmp(s, "tcp:", 4) == 0)
		return parse_tcp(s + 4, &cfg->ep, err, errlen);
	return parse_unix(s, &cfg->ep, err, errlen);
}
