/*
 * fuzz_wire.c - the frame reader of wire.c on its own (fast): HELLO and its
 * reply, then frames until the stream ends or breaks.
 *
 * Input: a configuration byte (bit 0 the role, bits 1-3 the slot, bits 4-6
 * the receive buffer size, bit 7 a pending wake-up), then the bytes the
 * simulator sends, followed by EOF.
 * Checked: a frame's announced length never exceeds MYNA_MAX_PAYLOAD,
 * nothing is written past the receive buffer (ASan), an accepted reader
 * identity is printable ASCII within its limits, and a stream that ends
 * never makes a wait time out.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../../ifd-handler/wire.h"
#include "check.h"
#include "input.h"

/* NUL-terminated within its field, printable ASCII before the NUL. */
static void check_text(const char *t, size_t size)
{
	const char *end = memchr(t, '\0', size);

	if (!end)
		fz_fail("identity text not terminated");
	for (const char *c = t; c < end; c++)
		if (*c < 0x20 || *c > 0x7E)
			fz_fail("identity byte %02X accepted", (unsigned char)*c);
}

static const size_t caps[] = { 0, 1, 2, 33, 34, 64, 4096, MYNA_MAX_PAYLOAD };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_in in = { data, size };
	uint8_t cfg = fz_u8(&in);
	uint8_t slot = (cfg >> 1) & 7;
	size_t cap = caps[(cfg >> 4) & 7], n;
	const uint8_t *bytes = fz_bytes(&in, size, &n);
	int sv[2], wake[2] = { -1, -1 }, r;
	struct myna_hello_ack ack;
	unsigned code = 0;
	uint8_t *buf = malloc(cap ? cap : 1);
	struct myna_frame f;

	if (!buf || socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv) != 0)
		abort();
	if ((cfg & 0x80) && (pipe2(wake, O_NONBLOCK) != 0 || write(wake[1], "w", 1) != 1))
		abort();
	for (size_t off = 0; off < n;) {
		ssize_t w = send(sv[1], bytes + off, n - off, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (w <= 0)
			break;
		off += (size_t)w;
	}
	shutdown(sv[1], SHUT_WR);
	r = myna_hello(sv[0], slot, (enum myna_role)(cfg & 1), myna_now_ms() + 1000, wake[0],
		&ack, &code);
	if (r == MYNA_IO_OK) {
		check_text(ack.id.serial, sizeof ack.id.serial);
		check_text(ack.id.firmware, sizeof ack.id.firmware);
	}
	while (r == MYNA_IO_OK) {
		r = myna_recv_frame(sv[0], slot, buf, cap, &f, myna_now_ms() + 1000, wake[0]);
		if (r == MYNA_IO_OK && f.len > MYNA_MAX_PAYLOAD)
			fz_fail("frame of %u bytes accepted", f.len);
	}
	if (r == MYNA_IO_TIMEOUT)
		fz_fail("a wait on a closed stream timed out");
	close(sv[0]);
	close(sv[1]);
	if (wake[0] >= 0) {
		close(wake[0]);
		close(wake[1]);
	}
	free(buf);
	return 0;
}
