/*
 * fakesim.c - the scripted simulator behind the wrapped connect() (see
 * fakesim.h) and the checker of what the handler sends.
 */
#define _GNU_SOURCE
#include "fakesim.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../../ifd-handler/wire.h"

struct conn {
	const uint8_t *bytes;
	size_t len;
	uint32_t pad;
	uint8_t flags;
	int peer;               /* the simulator's end; -1 until connected */
	/* parse state of the handler's bytes */
	uint8_t hdr[MYNA_HDR_LEN];
	size_t hdr_got;
	uint32_t body_len, body_got;
	unsigned frames;        /* complete frames */
	int role;               /* from HELLO; -1 before */
	uint8_t slot;
	uint8_t hello[64];
};

static struct conn conns[FZ_MAX_SCRIPTS];
static unsigned nconns, next_conn;
static uint32_t allowed_slots;
static uint8_t *last_tx;    /* MYNA_MAX_APDU bytes */
static size_t last_tx_len;
static unsigned tx_count;

void fz_sim_close(void)
{
	for (unsigned i = 0; i < nconns; i++) {
		if (conns[i].peer >= 0)
			close(conns[i].peer);
		conns[i].peer = -1;
	}
	nconns = next_conn = 0;
}

void fz_sim_load(struct fz_in *in, uint32_t slot_mask)
{
	unsigned want;

	fz_sim_close();
	if (!last_tx && !(last_tx = malloc(MYNA_MAX_APDU)))
		fz_fail("out of memory");
	last_tx_len = 0;
	tx_count = 0;
	allowed_slots = slot_mask;
	want = fz_u8(in) % (FZ_MAX_SCRIPTS + 1);
	for (unsigned i = 0; i < want; i++) {
		struct conn *c = &conns[nconns++];

		memset(c, 0, sizeof *c);
		c->peer = -1;
		c->role = -1;
		c->flags = fz_u8(in);
		c->bytes = fz_bytes(in, fz_u16(in), &c->len);
		if (c->flags & FZ_PAD) {
			uint32_t hi = fz_u8(in);
			c->pad = (hi << 16 | fz_u16(in)) % (MYNA_MAX_PAYLOAD + MYNA_HDR_LEN + 1);
		}
	}
}

/* Queue the script for the handler to read; stops quietly when the socket
 * buffer is full (the rest is dropped, the same way every run). */
static void send_script(struct conn *c)
{
	static const uint8_t zeros[4096];
	size_t off = 0;
	uint32_t pad = c->pad;

	while (off < c->len) {
		ssize_t w = send(c->peer, c->bytes + off, c->len - off, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (w <= 0)
			return;
		off += (size_t)w;
	}
	while (pad > 0) {
		ssize_t w = send(c->peer, zeros, pad < sizeof zeros ? pad : sizeof zeros,
			MSG_DONTWAIT | MSG_NOSIGNAL);
		if (w <= 0)
			return;
		pad -= (uint32_t)w;
	}
}

int __wrap_connect(int fd, const void *addr, socklen_t addrlen);
int __wrap_connect(int fd, const void *addr, socklen_t addrlen)
{
	struct conn *c;
	int sv[2];

	(void)addr;
	(void)addrlen;
	if (next_conn >= nconns) {
		errno = ECONNREFUSED;
		return -1;
	}
	c = &conns[next_conn++];
	if (c->flags & FZ_REFUSE) {
		errno = ECONNREFUSED;
		return -1;
	}
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) != 0)
		fz_fail("socketpair: %s", strerror(errno));
	if (dup3(sv[0], fd, O_CLOEXEC) < 0)
		fz_fail("dup3: %s", strerror(errno));
	close(sv[0]);
	c->peer = sv[1];
	send_script(c);
	if (!(c->flags & FZ_HOLD))
		shutdown(c->peer, SHUT_WR);
	if (c->flags & FZ_INPROGRESS) {
		errno = EINPROGRESS;
		return -1;
	}
	return 0;
}

/* A complete header from the handler: is this frame allowed here? */
static void check_header(struct conn *c)
{
	uint8_t type = c->hdr[0], slot = c->hdr[1];
	uint32_t len = myna_be32(c->hdr + 2);

	c->body_len = len;
	c->body_got = 0;
	if (c->frames == 0) {
		if (type != MYNA_HELLO)
			fz_fail("first frame is type %02X, not HELLO", type);
		if (slot >= 32 || !(allowed_slots & (1u << slot)))
			fz_fail("HELLO for slot %u", slot);
		if (len < 3 || len > sizeof c->hello)
			fz_fail("HELLO of %u bytes", len);
		c->slot = slot;
		return;
	}
	if (slot != c->slot)
		fz_fail("frame for slot %u on a slot %u connection", slot, c->slot);
	if (c->role != MYNA_ROLE_COMMAND)
		fz_fail("frame type %02X sent on an event connection", type);
	switch (type) {
	case MYNA_POWER_ON:
	case MYNA_POWER_OFF:
	case MYNA_RESET:
	case MYNA_STATUS:
		if (len != 0)
			fz_fail("request %02X with %u payload bytes", type, len);
		break;
	case MYNA_TRANSMIT:
		if (len < 4 || len > MYNA_MAX_APDU)
			fz_fail("TRANSMIT of %u bytes", len);
		break;
	default:
		fz_fail("request type %02X", type);
	}
}

static void end_frame(struct conn *c)
{
	if (c->frames == 0) {
		if (myna_be16(c->hello) != MYNA_VERSION || c->hello[2] > MYNA_ROLE_EVENT)
			fz_fail("HELLO version %u role %u", myna_be16(c->hello), c->hello[2]);
		c->role = c->hello[2];
	} else if (c->hdr[0] == MYNA_TRANSMIT) {
		last_tx_len = c->body_len;
		tx_count++;
	}
	c->frames++;
	c->hdr_got = 0;
}

static void feed(struct conn *c, const uint8_t *p, size_t n)
{
	while (n > 0) {
		if (c->hdr_got < MYNA_HDR_LEN) {
			c->hdr[c->hdr_got++] = *p++;
			n--;
			if (c->hdr_got == MYNA_HDR_LEN) {
				check_header(c);
				if (c->body_len == 0)
					end_frame(c);
			}
			continue;
		}
		size_t take = c->body_len - c->body_got < n ? c->body_len - c->body_got : n;
		if (c->frames == 0)
			memcpy(c->hello + c->body_got, p, take);
		else if (c->hdr[0] == MYNA_TRANSMIT)
			memcpy(last_tx + c->body_got, p, take);
		c->body_got += (uint32_t)take;
		p += take;
		n -= take;
		if (c->body_got == c->body_len)
			end_frame(c);
	}
}

void fz_sim_drain(void)
{
	uint8_t buf[8192];

	for (unsigned i = 0; i < nconns; i++) {
		struct conn *c = &conns[i];
		ssize_t r;

		if (c->peer < 0)
			continue;
		while ((r = recv(c->peer, buf, sizeof buf, MSG_DONTWAIT)) > 0)
			feed(c, buf, (size_t)r);
	}
}

unsigned fz_sim_transmits(void)
{
	return tx_count;
}

const uint8_t *fz_sim_last_transmit(size_t *len)
{
	*len = last_tx_len;
	return last_tx;
}
