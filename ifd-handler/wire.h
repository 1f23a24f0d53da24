/*
 * wire.h - the mynasim wire protocol, version 1 (docs/wire-protocol.md):
 * frame constants and bounded, non-blocking socket I/O helpers.
 *
 * Every helper takes an absolute deadline (CLOCK_MONOTONIC milliseconds) and
 * never waits past it: the sockets are O_NONBLOCK and every wait is a poll()
 * bounded by the deadline. A helper may also watch a "wake" fd (the event
 * thread's stop pipe); when it becomes readable the helper returns
 * MYNA_IO_WOKEN without consuming it.
 */
#ifndef MYNASIM_WIRE_H
#define MYNASIM_WIRE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define MYNA_VERSION      1
#define MYNA_HDR_LEN      6
#define MYNA_MAX_PAYLOAD  65552u   /* largest payload of any frame */
#define MYNA_MAX_APDU     65544u   /* extended case-4 command APDU */
#define MYNA_MAX_ATR      33u
#define MYNA_STATE_MAX    (1u + MYNA_MAX_ATR) /* card state: flags + ATR */
#define MYNA_HELLO_ACK_MAX 256u    /* HELLO_ACK: 3 bytes, then an optional reader identity */

/* HELLO features (the byte after the client name's NUL terminator) */
#define MYNA_FEATURE_IDENTITY 0x01u /* HELLO_ACK may carry a reader identity */

/* reader identity TLVs in HELLO_ACK */
#define MYNA_ID_SERIAL    0x01u
#define MYNA_ID_FIRMWARE  0x02u
#define MYNA_SERIAL_MAX   32u
#define MYNA_FIRMWARE_MAX 64u

enum myna_type {
	MYNA_HELLO = 0x01,
	MYNA_POWER_ON = 0x02,
	MYNA_POWER_OFF = 0x03,
	MYNA_RESET = 0x04,
	MYNA_TRANSMIT = 0x05,
	MYNA_STATUS = 0x06,
	MYNA_HELLO_ACK = 0x81,
	MYNA_ATR = 0x82,
	MYNA_ACK = 0x83,
	MYNA_RESPONSE = 0x85,
	MYNA_STATUS_REPLY = 0x86,
	MYNA_CARD_EVENT = 0x90,
	MYNA_ERROR = 0xFF,
};

enum myna_role { MYNA_ROLE_COMMAND = 0, MYNA_ROLE_EVENT = 1 };

/* card state flags (STATUS_REPLY, CARD_EVENT) */
#define MYNA_FLAG_PRESENT  0x01u
#define MYNA_FLAG_POWERED  0x02u
#define MYNA_FLAG_EXTENDED 0x04u
#define MYNA_FLAG_NO_PART10 0x08u /* the reader hides its part 10 features */

/* ERROR codes */
enum myna_error {
	MYNA_ERR_NO_CARD = 1,
	MYNA_ERR_NOT_POWERED = 2,
	MYNA_ERR_NO_SLOT = 3,
	MYNA_ERR_VERSION = 4,
	MYNA_ERR_BAD_FRAME = 5,
	MYNA_ERR_INTERNAL = 6,
};

/* Results of the I/O helpers. Anything but MYNA_IO_OK leaves the stream in
 * an unknown position: the caller must close the connection (except WOKEN
 * and TIMEOUT before the first byte of a frame, which the event wait uses). */
enum myna_io {
	MYNA_IO_OK = 0,
	MYNA_IO_TIMEOUT,  /* deadline passed */
	MYNA_IO_WOKEN,    /* the wake fd became readable */
	MYNA_IO_CLOSED,   /* EOF, reset or any socket error */
	MYNA_IO_PROTO,    /* malformed frame: bad length, slot, type or content */
	MYNA_IO_REFUSED,  /* the simulator answered HELLO with ERROR */
	MYNA_IO_NOCONN,   /* connect() failed: nobody listening */
};

/* Where the simulator listens (parsed from DEVICENAME). */
struct myna_endpoint {
	struct sockaddr_storage addr;
	socklen_t addrlen;
	int tcp;              /* 1: set TCP_NODELAY */
	char text[160];       /* for log messages */
};

struct myna_frame {
	uint8_t type;
	uint32_t len;         /* full payload length announced by the header */
};

/* The reader identity a simulator may send in HELLO_ACK: printable ASCII,
 * NUL-terminated, "" when it sent none. */
struct myna_identity {
	char serial[MYNA_SERIAL_MAX + 1];
	char firmware[MYNA_FIRMWARE_MAX + 1];
};

/* What HELLO_ACK told: the simulator's slot count and its identity. */
struct myna_hello_ack {
	unsigned sim_slots;
	struct myna_identity id;
};

int64_t myna_now_ms(void);
const char *myna_io_name(int io);

/* Connect to ep, non-blocking, close-on-exec. *fd is set on MYNA_IO_OK. */
int myna_connect(const struct myna_endpoint *ep, int64_t deadline, int wake_fd, int *fd);

/* Send one frame with a single sendmsg() (header and payload gathered), so
 * that no frame waits for a delayed ACK. Partial writes (a full socket
 * buffer) are completed under the same deadline. */
int myna_send_frame(int fd, uint8_t type, uint8_t slot, const void *payload,
	size_t len, int64_t deadline);

/* Receive one frame for `slot`. At most `cap` payload bytes are stored in
 * buf; the rest of a longer (but legal) payload is read and discarded so the
 * stream stays in step; f->len reports the announced length. A length above
 * MYNA_MAX_PAYLOAD or another slot number gives MYNA_IO_PROTO. */
int myna_recv_frame(int fd, uint8_t slot, uint8_t *buf, size_t cap,
	struct myna_frame *f, int64_t deadline, int wake_fd);

/* The same for the one reply a request gets on a command connection: the
 * header and the payload are read with one recvmsg where they have arrived
 * (nothing may follow a reply on its connection). */
int myna_recv_reply(int fd, uint8_t slot, uint8_t *buf, size_t cap,
	struct myna_frame *f, int64_t deadline);

/* Wait until fd is readable (or has hung up), wake_fd is readable or the
 * deadline passes. Returns MYNA_IO_OK, MYNA_IO_WOKEN or MYNA_IO_TIMEOUT. */
int myna_wait_readable(int fd, int wake_fd, int64_t deadline);

/* HELLO / HELLO_ACK on a fresh connection. On MYNA_IO_REFUSED *err_code is
 * the simulator's error code; on MYNA_IO_OK *ack holds what HELLO_ACK said. */
int myna_hello(int fd, uint8_t slot, enum myna_role role, int64_t deadline,
	int wake_fd, struct myna_hello_ack *ack, unsigned *err_code);

/* Parse the reader identity TLVs that follow the 3 fixed bytes of HELLO_ACK
 * (n may be 0). Returns 0, or -1 when they are malformed: a truncated TLV, a
 * repeated tag, an empty or over-long value, a byte outside 0x20-0x7E. */
int myna_parse_identity(const uint8_t *p, size_t n, struct myna_identity *id);

static inline uint16_t myna_be16(const uint8_t *p)
{
	return (uint16_t)((p[0] << 8) | p[1]);
}

static inline uint32_t myna_be32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) |
		((uint32_t)p[2] << 8) | p[3];
}

#endif
