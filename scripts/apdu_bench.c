/*
 * apdu_bench: SCardTransmit round-trip times for one APDU, after optional setup APDUs.
 *
 *   apdu_bench [-r READER_SUBSTRING] [-n CALLS] [-w WARMUP] [-s SETUP_HEX]... [-a APDU_HEX]
 *
 * Connects once to the first reader whose name contains READER_SUBSTRING (default: the first reader) (shared, T=0 or T=1), sends each -s APDU once (each must end in 9000), then times
 * every SCardTransmit of the -a APDU (default GET CHALLENGE 00 84 00 00 08) with CLOCK_MONOTONIC.
 * The first WARMUP calls are not counted. Prints one line:
 *   calls=N bytes=B min=… median=… p90=… p99=… max=… mean=… (µs) rate=… APDU/s
 * Reads PCSCLITE_CSOCK_NAME like every pcsc-lite client. Used by scripts/bench-pcsc.sh.
 *
 * Build: cc -O2 -o apdu_bench apdu_bench.c $(pkg-config --cflags --libs libpcsclite)
 */
#include <winscard.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_APDU 65544
#define MAX_SETUP 16

static double now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int by_value(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static size_t parse_hex(const char *text, unsigned char *out, size_t capacity)
{
	size_t n = 0;
	int high = -1;
	for (const char *c = text; *c; c++) {
		int v;
		if (*c >= '0' && *c <= '9') v = *c - '0';
		else if (*c >= 'a' && *c <= 'f') v = *c - 'a' + 10;
		else if (*c >= 'A' && *c <= 'F') v = *c - 'A' + 10;
		else if (*c == ' ' || *c == ':') continue;
		else { fprintf(stderr, "apdu_bench: '%s' is not hex\n", text); exit(2); }
		if (high < 0) { high = v; continue; }
		if (n == capacity) { fprintf(stderr, "apdu_bench: APDU too long\n"); exit(2); }
		out[n++] = (unsigned char)(high << 4 | v);
		high = -1;
	}
	if (high >= 0 || n < 4) { fprintf(stderr, "apdu_bench: '%s' is not a whole APDU\n", text); exit(2); }
	return n;
}

static void must(LONG rv, const char *what)
{
	if (rv != SCARD_S_SUCCESS) {
		fprintf(stderr, "apdu_bench: %s: %s (0x%08lX)\n", what, pcsc_stringify_error(rv), (unsigned long)rv);
		exit(1);
	}
}

int main(int argc, char **argv)
{
	const char *wanted = NULL, *setup[MAX_SETUP], *measured = "0084000008";
	int calls = 10000, warmup = 200, setups = 0, opt;
	while ((opt = getopt(argc, argv, "r:n:w:s:a:")) != -1) {
		switch (opt) {
		case 'r': wanted = optarg; break;
		case 'n': calls = atoi(optarg); break;
		case 'w': warmup = atoi(optarg); break;
		case 's':
			if (setups == MAX_SETUP) { fprintf(stderr, "apdu_bench: at most %d -s\n", MAX_SETUP); return 2; }
			setup[setups++] = optarg;
			break;
		case 'a': measured = optarg; break;
		default:
			fprintf(stderr, "usage: apdu_bench [-r READER] [-n CALLS] [-w WARMUP] [-s SETUP_HEX]... [-a APDU_HEX]\n");
			return 2;
		}
	}
	if (calls < 1 || warmup < 0) { fprintf(stderr, "apdu_bench: -n must be at least 1 and -w at least 0\n"); return 2; }

	SCARDCONTEXT context;
	must(SCardEstablishContext(SCARD_SCOPE_SYSTEM, NULL, NULL, &context), "SCardEstablishContext");
	char names[8192];
	DWORD length = sizeof names;
	must(SCardListReaders(context, NULL, names, &length), "SCardListReaders");
	const char *reader = NULL;
	for (const char *name = names; *name; name += strlen(name) + 1)
		if (!wanted || strstr(name, wanted)) { reader = name; break; }
	if (!reader) { fprintf(stderr, "apdu_bench: no reader named like '%s'\n", wanted ? wanted : ""); return 1; }

	SCARDHANDLE card;
	DWORD protocol;
	must(SCardConnect(context, reader, SCARD_SHARE_SHARED, SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1, &card, &protocol),
	     "SCardConnect");
	const SCARD_IO_REQUEST *pci = protocol == SCARD_PROTOCOL_T0 ? SCARD_PCI_T0 : SCARD_PCI_T1;

	static unsigned char command[MAX_APDU], response[MAX_APDU];
	for (int i = 0; i < setups; i++) {
		size_t n = parse_hex(setup[i], command, sizeof command);
		DWORD got = sizeof response;
		must(SCardTransmit(card, pci, command, n, NULL, response, &got), "SCardTransmit (setup)");
		if (got < 2 || response[got - 2] != 0x90 || response[got - 1] != 0x00) {
			fprintf(stderr, "apdu_bench: setup APDU %s answered %02X%02X\n", setup[i], got >= 2 ? response[got - 2] : 0,
				got >= 2 ? response[got - 1] : 0);
			return 1;
		}
	}

	size_t n = parse_hex(measured, command, sizeof command);
	double *times = malloc(sizeof(double) * calls);
	DWORD bytes = 0;
	double started = 0;
	for (int i = -warmup; i < calls; i++) {
		if (i == 0) started = now_us();
		DWORD got = sizeof response;
		double t0 = now_us();
		must(SCardTransmit(card, pci, command, n, NULL, response, &got), "SCardTransmit");
		double t1 = now_us();
		if (i >= 0) times[i] = t1 - t0;
		bytes = got;
	}
	double wall = now_us() - started, sum = 0;
	for (int i = 0; i < calls; i++) sum += times[i];
	qsort(times, calls, sizeof(double), by_value);
	printf("calls=%d bytes=%lu min=%.1f median=%.1f p90=%.1f p99=%.1f max=%.1f mean=%.1f rate=%.0f\n", calls,
	       (unsigned long)bytes, times[0], times[calls / 2], times[(int)(calls * 0.9)], times[(int)(calls * 0.99)],
	       times[calls - 1], sum / calls, calls / (wall / 1e6));
	SCardDisconnect(card, SCARD_LEAVE_CARD);
	SCardReleaseContext(context);
	free(times);
	return 0;
}
