/*
 * test_devname.c - table test of the DEVICENAME parser (no pcscd needed).
 * Built and run by run-tests.sh; prints one line per failing case and
 * "devname: N cases, M failed".
 */
#define _GNU_SOURCE
#include "../devname.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <sys/un.h>

struct tcase {
	const char *in;
	int ok;               /* expected to parse */
	const char *text;     /* expected endpoint text, when ok */
	unsigned slots, timeout;
};

static const struct tcase cases[] = {
	{ "mynasim:/run/mynasim/mynasim.sock", 1, "unix:/run/mynasim/mynasim.sock", 2, 15000 },
	{ "mynasim:/tmp/sim.sock@slots:4@timeout:30000", 1, "unix:/tmp/sim.sock", 4, 30000 },
	{ "mynasim:/tmp/sim.sock@timeout:1", 1, "unix:/tmp/sim.sock", 2, 1 },
	{ "\"mynasim:/tmp/sim.sock@slots:16\"", 1, "unix:/tmp/sim.sock", 16, 15000 },
	{ "mynasim:tcp:127.0.0.1:35900", 1, "tcp:127.0.0.1:35900", 2, 15000 },
	{ "mynasim:tcp:127.1.2.3:1@slots:1", 1, "tcp:127.1.2.3:1", 1, 15000 },
	{ "mynasim:tcp:localhost:35900", 1, "tcp:127.0.0.1:35900", 2, 15000 },
	{ "mynasim:tcp:::1:35900", 1, "tcp:[::1]:35900", 2, 15000 },
	{ "'mynasim:tcp:[::1]:35900@timeout:500'", 1, "tcp:[::1]:35900", 2, 500 },
	{ "mynasim:tcp:10.0.0.1:35900", 0, NULL, 0, 0 },     /* not loopback */
	{ "mynasim:tcp:0.0.0.0:35900", 0, NULL, 0, 0 },
	{ "mynasim:tcp:::35900", 0, NULL, 0, 0 },             /* :: is not loopback */
	{ "mynasim:tcp:example.org:35900", 0, NULL, 0, 0 },   /* no DNS */
	{ "mynasim:tcp:127.0.0.1:0", 0, NULL, 0, 0 },
	{ "mynasim:tcp:127.0.0.1:65536", 0, NULL, 0, 0 },
	{ "mynasim:tcp:127.0.0.1", 0, NULL, 0, 0 },
	{ "mynasim:relative.sock", 0, NULL, 0, 0 },           /* pcscd chdir("/")s */
	{ "mynasim:", 0, NULL, 0, 0 },
	{ "vpcd:/tmp/sim.sock", 0, NULL, 0, 0 },
	{ "/tmp/sim.sock", 0, NULL, 0, 0 },
	{ "mynasim:/tmp/sim.sock@slots:0", 0, NULL, 0, 0 },
	{ "mynasim:/tmp/sim.sock@slots:17", 0, NULL, 0, 0 },
	{ "mynasim:/tmp/sim.sock@slots:-1", 0, NULL, 0, 0 },
	{ "mynasim:/tmp/sim.sock@slots:2x", 0, NULL, 0, 0 },
	{ "mynasim:/tmp/sim.sock@timeout:0", 0, NULL, 0, 0 },
	{ "mynasim:/tmp/sim.sock@timeout:600001", 0, NULL, 0, 0 },
	{ "mynasim:/tmp/sim.sock@color:red", 0, NULL, 0, 0 },
	{ "mynasim:/tmp/sim.sock@slots", 0, NULL, 0, 0 },
	{ "mynasim:/tmp/sim.sock@", 0, NULL, 0, 0 },
	{ "mynasim:/tmp/sim.sock;slots=4", 1, "unix:/tmp/sim.sock;slots=4", 2, 15000 },
	{ "mynasim:/0123456789012345678901234567890123456789012345678901234567890123456789"
	  "01234567890123456789012345678901234567.sock", 0, NULL, 0, 0 },   /* > sun_path */
	{ NULL, 0, NULL, 0, 0 },
};

int main(void)
{
	int n = 0, failed = 0;

	for (const struct tcase *c = cases; c->in; c++, n++) {
		struct myna_config cfg;
		char err[200] = "";
		int r;

		memset(&cfg, 0, sizeof cfg);
		r = myna_parse_devicename(c->in, &cfg, err, sizeof err);
		if ((r == 0) != c->ok) {
			printf("FAIL %s: %s (%s)\n", c->in, r == 0 ? "accepted" : "rejected", err);
			failed++;
		} else if (c->ok && (strcmp(cfg.ep.text, c->text) != 0 || cfg.slots != c->slots ||
				cfg.timeout_ms != c->timeout)) {
			printf("FAIL %s: got %s slots=%u timeout=%u\n", c->in, cfg.ep.text, cfg.slots, cfg.timeout_ms);
			failed++;
		}
	}
	/* NULL input must be refused, not crash */
	{
		struct myna_config cfg;
		char err[64];
		n++;
		if (myna_parse_devicename(NULL, &cfg, err, sizeof err) == 0) {
			printf("FAIL NULL accepted\n");
			failed++;
		}
	}
	printf("devname: %d cases, %d failed\n", n, failed);
	return failed != 0;
}
