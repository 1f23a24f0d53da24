/*
 * devname.h - parse the reader.conf DEVICENAME of a mynasim reader:
 *
 *   mynasim:/run/mynasim/mynasim.sock              Unix socket (absolute path)
 *   mynasim:tcp:127.0.0.1:35900                    TCP loopback (also ::1:P, localhost:P)
 *   mynasim:/tmp/sim.sock@slots:4@timeout:30000    options
 *
 * pcscd's reader.conf lexer accepts only [A-Za-z0-9\/-._@:] in an unquoted
 * value, hence '@' and ':' as separators (docs/wire-protocol.md). A quoted
 * value reaches the driver with its quotes: one enclosing pair is stripped.
 */
#ifndef MYNASIM_DEVNAME_H
#define MYNASIM_DEVNAME_H

#include "wire.h"

#define MYNA_DEFAULT_DEVICENAME "mynasim:/run/mynasim/mynasim.sock"
#define MYNA_DEFAULT_SLOTS      2u
#define MYNA_MAX_SLOTS          16u
#define MYNA_DEFAULT_TIMEOUT_MS 15000u
#define MYNA_MAX_TIMEOUT_MS     600000u

struct myna_config {
	struct myna_endpoint ep;
	unsigned slots;        /* slots:N: the count reported to pcscd */
	unsigned timeout_ms;   /* timeout:MS: the request timeout */
};

/* Returns 0 on success, or -1 with a reason in err. */
int myna_parse_devicename(const char *devicename, struct myna_config *cfg,
	char *err, size_t errlen);

#endif
