/*
 * wire.c - bounded, non-blocking framing for the mynasim wire protocol.
 *
 * Why non-blocking sockets plus poll() rather than blocking calls with
 * SO_RCVTIMEO: pcscd calls us while holding the reader's mutex, so any
 * unbounded wait would hang every client of that reader (vpcd's failure
 * mode). With O_NONBLOCK no recv/send can block at all, and the only place
 * that waits is poll() with the remaining time to an absolute deadline.
 * recv/send are tried first and poll() is used only on EAGAIN: that is one
 * syscall less per frame on the APDU hot path, with the same bound.
 */
#define _GNU_SOURCE
#include "wire.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <string.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

int64_t myna_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

const char *myna_io_name(int io)
{
	switch (io) {
	case MYNA_IO_OK: return "ok";
	case MYNA_IO_TIMEOUT: return "timeout";
	case MYNA_IO_WOKEN: return "woken";
	case MYNA_IO_CLOSED: return "connection closed";
	case MYNA_IO_PROTO: return "malformed frame";
	case MYNA_IO_REFUSED: return "refused";
	case MYNA_IO_NOCONN: return "cannot connect";
	default: return "?";
	}
}

static int remaining_ms(int64_t deadline)
{
	int64_t left = deadline - myna_now_ms();

	if (left <= 0)
		return 0;
	return left > 0x7fffffff ? 0x7fffffff : (int)left;
}

/* Wait for `events` on fd. POLLERR/POLLHUP count as ready: the following
 * recv/send then reports the actual error or EOF. */
static int wait_fd(int fd, short events, int wake_fd, int64_t deadline)
{
	struct pollfd p[2] = {
		{ .fd = fd, .events = events },
		{ .fd = wake_fd, .events = POLLIN },
	};
	nfds_t n = wake_fd >= 0 ? 2 : 1;

	for (;;) {
		int r = poll(p, n, remaining_ms(deadline));

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return MYNA_IO_CLOSED;
		if (n == 2 && p[1].revents)
			return MYNA_IO_WOKEN;
		if (r > 0 && p[0].revents)
			return MYNA_IO_OK;
		if (remaining_ms(deadline) == 0)
			return MYNA_IO_TIMEOUT;
	}
}

int myna_wait_readable(int fd, int wake_fd, int64_t deadline)
{
	return wait_fd(fd, POLLIN, wake_fd, deadline);
}

int myna_connect(const struct myna_endpoint *ep, int64_t deadline, int wake_fd, int *fd_out)
{
	int fd = socket(ep->addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int one = 1, err = 0, r;
	socklen_t errlen = sizeof err;

	if (fd < 0)
		return MYNA_IO_NOCONN;
	if (ep->tcp)
		(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	if (connect(fd, (const struct sockaddr *)&ep->addr, ep->addrlen) == 0)
		goto connected;
	/* A Unix socket with a full backlog gives EAGAIN: treat it like a
	 * refusal, the caller retries later. */
	if (errno != EINPROGRESS) {
		close(fd);
		return MYNA_IO_NOCONN;
	}
	r = wait_fd(fd, POLLOUT, wake_fd, deadline);
	if (r != MYNA_IO_OK) {
		close(fd);
		return r;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &errlen) != 0 || err != 0) {
		close(fd);
		return MYNA_IO_NOCONN;
	}
connected:
	*fd_out = fd;
	return MYNA_IO_OK;
}

int myna_send_frame(int fd, uint8_t type, uint8_t slot, const void *payload,
	size_t len, int64_t deadline)
{
	uint8_t hdr[MYNA_HDR_LEN] = {
		type, slot,
		(uint8_t)(len >> 24), (uint8_t)(len >> 16), (uint8_t)(len >> 8), (uint8_t)len,
	};
	struct iovec iov[2] = {
		{ .iov_base = hdr, .iov_len = sizeof hdr },
		{ .iov_base = (void *)payload, .iov_len = len },
	};
	struct msghdr m = { .msg_iov = iov, .msg_iovlen = len ? 2 : 1 };

	if (len > MYNA_MAX_PAYLOAD)
		return MYNA_IO_PROTO;
	while (m.msg_iovlen > 0) {
		/* MSG_NOSIGNAL: a dead simulator must not SIGPIPE pcscd */
		ssize_t w = sendmsg(fd, &m, MSG_NOSIGNAL | MSG_DONTWAIT);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				return MYNA_IO_CLOSED;
			int r = wait_fd(fd, POLLOUT, -1, deadline);
			if (r != MYNA_IO_OK)
				return r;
			continue;
		}
		/* drop what was written from the front of the iovec list */
		while (m.msg_iovlen > 0 && (size_t)w >= m.msg_iov[0].iov_len) {
			w -= (ssize_t)m.msg_iov[0].iov_len;
			m.msg_iov++;
			m.msg_iovlen--;
		}
		if (m.msg_iovlen > 0) {
			m.msg_iov[0].iov_base = (uint8_t *)m.msg_iov[0].iov_base + w;
			m.msg_iov[0].iov_len -= (size_t)w;
		}
	}
	return MYNA_IO_OK;
}

static int read_exact(int fd, uint8_t *buf, size_t n, int64_t deadline, int wake_fd)
{
	size_t got = 0;

	while (got < n) {
		ssize_t r = recv(fd, buf + got, n - got, MSG_DONTWAIT);

		if (r > 0) {
			got += (size_t)r;
			continue;
		}
		if (r == 0)
			return MYNA_IO_CLOSED;
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return MYNA_IO_CLOSED;
		r = wait_fd(fd, POLLIN, wake_fd, deadline);
		if (r != MYNA_IO_OK)
			return (int)r;
	}
	return MYNA_IO_OK;
}

static int discard(int fd, size_t n, int64_t deadline)
{
	uint8_t sink[4096];

	while (n > 0) {
		size_t chunk = n < sizeof sink ? n : sizeof sink;
		int r = read_exact(fd, sink, chunk, deadline, -1);

		if (r != MYNA_IO_OK)
			return r;
		n -= chunk;
	}
	return MYNA_IO_OK;
}

int myna_recv_frame(int fd, uint8_t slot, uint8_t *buf, size_t cap,
	struct myna_frame *f, int64_t deadline, int wake_fd)
{
	uint8_t hdr[MYNA_HDR_LEN];
	size_t keep;
	int r = read_exact(fd, hdr, sizeof hdr, deadline, wake_fd);

	if (r != MYNA_IO_OK)
		return r;
	f->type = hdr[0];
	f->len = myna_be32(hdr + 2);
	/* Reject before reading the payload: never allocate or wait for a
	 * length the protocol cannot produce. */
	if (hdr[1] != slot || f->len > MYNA_MAX_PAYLOAD)
		return MYNA_IO_PROTO;
	keep = f->len < cap ? f->len : cap;
	/* Once a header is in, the payload is already on its way: do not let
	 * a wake request cut a frame in half. */
	r = read_exact(fd, buf, keep, deadline, -1);
	if (r == MYNA_IO_OK && f->len > keep)
		r = discard(fd, f->len - keep, deadline);
	return r;
}

int myna_recv_reply(int fd, uint8_t slot, uint8_t *buf, size_t cap,
	struct myna_frame *f, int64_t deadline)
{
	uint8_t hdr[MYNA_HDR_LEN];
	struct iovec iov[2] = {
		{ .iov_base = hdr, .iov_len = sizeof hdr },
		{ .iov_base = buf, .iov_len = cap },
	};
	struct msghdr m = { .msg_iov = iov, .msg_iovlen = cap ? 2 : 1 };
	size_t got, keep;
	ssize_t n;
	int r;

	/* One recvmsg scatters the header and the payload into place. */
	do
		n = recvmsg(fd, &m, MSG_DONTWAIT);
	while (n < 0 && errno == EINTR);
	if (n == 0)
		return MYNA_IO_CLOSED;
	if (n < 0) {
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return MYNA_IO_CLOSED;
		n = 0;
	}
	if ((size_t)n < sizeof hdr) {
		r = read_exact(fd, hdr + n, sizeof hdr - (size_t)n, deadline, -1);
		if (r != MYNA_IO_OK)
			return r;
		n = sizeof hdr;
	}
	f->type = hdr[0];
	f->len = myna_be32(hdr + 2);
	got = (size_t)n - sizeof hdr;
	/* A reply is alone on its connection: bytes past it would be a protocol
	 * violation, and so is another slot or an impossible length. */
	if (hdr[1] != slot || f->len > MYNA_MAX_PAYLOAD || got > f->len)
		return MYNA_IO_PROTO;
	keep = f->len < cap ? f->len : cap;
	r = read_exact(fd, buf + got, keep - got, deadline, -1);
	if (r == MYNA_IO_OK && f->len > keep)
		r = discard(fd, f->len - keep, deadline);
	return r;
}

/* The value of one identity TLV into a NUL-terminated field of `max` characters. */
static int identity_text(const uint8_t *v, size_t n, size_t max, char *out)
{
	if (out[0] != '\0' || n == 0 || n > max)
		return -1;      /* repeated, empty or too long */
	for (size_t i = 0; i < n; i++)
		if (v[i] < 0x20 || v[i] > 0x7E)
			return -1;
	memcpy(out, v, n);
	out[n] = '\0';
	return 0;
}

int myna_parse_identity(const uint8_t *p, size_t n, struct myna_identity *id)
{
	memset(id, 0, sizeof *id);
	while (n > 0) {
		uint8_t tag, len;

		if (n < 2 || (size_t)p[1] + 2 > n)
			goto bad;
		tag = p[0];
		len = p[1];
		if (tag == MYNA_ID_SERIAL) {
			if (identity_text(p + 2, len, MYNA_SERIAL_MAX, id->serial) != 0)
				goto bad;
		} else if (tag == MYNA_ID_FIRMWARE) {
			if (identity_text(p + 2, len, MYNA_FIRMWARE_MAX, id->firmware) != 0)
				goto bad;
		}               /* other tags: a later addition, skipped */
		p += 2 + len;
		n -= 2 + (size_t)len;
	}
	return 0;
bad:
	memset(id, 0, sizeof *id);
	return -1;
}

int myna_hello(int fd, uint8_t slot, enum myna_role role, int64_t deadline,
	int wake_fd, struct myna_hello_ack *ack, unsigned *err_code)
{
	/* version, role, client name, then NUL and the features we accept */
	static const char name[] = "mynasim-ifd";
	uint8_t p[3 + sizeof name + 1] = { 0, MYNA_VERSION, (uint8_t)role };
	uint8_t reply[MYNA_HELLO_ACK_MAX];
	struct myna_frame f;
	int r;

	memcpy(p + 3, name, sizeof name);       /* with its NUL */
	p[sizeof p - 1] = MYNA_FEATURE_IDENTITY;
	r = myna_send_frame(fd, MYNA_HELLO, slot, p, sizeof p, deadline);
	if (r != MYNA_IO_OK)
		return r;
	r = myna_recv_frame(fd, slot, reply, sizeof reply, &f, deadline, wake_fd);
	if (r != MYNA_IO_OK)
		return r;
	if (f.type == MYNA_ERROR && f.len >= 2) {
		*err_code = myna_be16(reply);
		return MYNA_IO_REFUSED;
	}
	if (f.type != MYNA_HELLO_ACK || f.len < 3 || f.len > MYNA_HELLO_ACK_MAX ||
	    myna_be16(reply) != MYNA_VERSION ||
	    myna_parse_identity(reply + 3, f.len - 3, &ack->id) != 0)
		return MYNA_IO_PROTO;
	ack->sim_slots = reply[2];
	return MYNA_IO_OK;
}
