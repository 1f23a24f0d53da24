/*
 * ifdhandler.c - pcsc-lite IFD handler (API v3) for the mynasim virtual
 * reader: a pure relay between pcscd and the simulator over the protocol of
 * docs/wire-protocol.md. Every decision about the card is the simulator's.
 *
 * Threads that call us (pcsc-lite 1.9.9):
 *  - IFDH* entry points run under pcscd's per-reader mutex. We answer
 *    TAG_IFD_SLOT_THREAD_SAFE=1 and TAG_IFD_THREAD_SAFE=1, so every slot
 *    (Lun) has its own mutex: calls on one slot are serialised by pcscd and
 *    different slots/readers run in parallel. (With SLOT_THREAD_SAFE=0 all
 *    slots of a reader would share the first slot's mutex.)
 *  - pcscd's per-slot event thread calls poll_event() (exported through
 *    TAG_IFD_POLLING_THREAD_WITH_TIMEOUT) WITHOUT that mutex, concurrently
 *    with the calls above; stop_event() may come from any thread.
 *
 * Per slot there are two connections (the protocol's design): the command
 * connection, used only by the serialised IFDH calls, and the event
 * connection, owned by the event thread. They share a small cached state
 * (presence, flags, power-on ATR) under state_lock, so IFDHICCPresence and
 * IFDHControl never do a round trip.
 *
 * Failure model: any I/O error, EOF, timeout or malformed frame on either
 * connection bumps the slot's generation number and clears the presence.
 * Each connection remembers the generation it was opened in and is closed
 * by its owner when it is stale; the event thread is woken through the
 * slot's pipe so that pcscd sees the removal at once.
 */
#define _GNU_SOURCE
#pragma GCC visibility push(default)   /* only the IFDH* API is exported */
#include <ifdhandler.h>
#pragma GCC visibility pop
#include <reader.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "attrib.h"
#include "devname.h"
#include "wire.h"

#define MAX_CHANNELS      32    /* pcscd 1.9.9 has 16 reader contexts */
/* The fuzz build (fuzz/Makefile) shortens both waits so that a scripted
 * simulator that holds a connection open costs milliseconds, not seconds. */
#ifndef CONNECT_BUDGET_MS
#define CONNECT_BUDGET_MS 1000  /* connect + HELLO, and the rest of a frame */
#endif
#ifndef RETRY_MS
#define RETRY_MS          250   /* event connection retry cadence */
#endif
#define SIM_ACCESS        16    /* TAG_IFD_SIMULTANEOUS_ACCESS */

/* Same numbering convention as the CCID driver for its part 10 ioctls. */
#define CLASS2_IOCTL_MAGIC 0x330000
#define IOCTL_FEATURE_GET_TLV_PROPERTIES \
	SCARD_CTL_CODE(FEATURE_GET_TLV_PROPERTIES + CLASS2_IOCTL_MAGIC)

struct slot {
	DWORD lun;
	uint8_t index;              /* Lun & 0xFFFF: the slot in the simulator */
	struct myna_config cfg;
	bool debug;                 /* MYNASIM_IFD_DEBUG=1 */
	unsigned refs;              /* callers inside; under table.lock */

	/* Command connection. pcscd already serialises these calls per slot;
	 * cmd_lock also covers IFDHCloseChannel, which pcscd may call without
	 * its mutex after failing to take it. */
	pthread_mutex_t cmd_lock;
	int cmd_fd;
	unsigned cmd_gen;
	uint8_t *rx;                /* reply payload, MYNA_MAX_PAYLOAD bytes */

	/* Event connection: touched only by the event thread (and open/close). */
	int evt_fd;
	unsigned evt_gen;
	int64_t last_attempt_ms;
	int wake[2];                /* pipe: stop requests and link losses */

	/* Shared state, short critical sections only, never held over I/O. */
	pthread_mutex_t state_lock;
	unsigned gen;               /* bumped on every link loss */
	bool present;               /* from CARD_EVENT, false without a link */
	uint8_t flags;              /* last CARD_EVENT flags */
	uint8_t atr[MYNA_MAX_ATR];  /* ATR from the last POWER_ON/RESET */
	size_t atr_len;
	uint32_t protocol;          /* from IFDHSetProtocolParameters; 0 after power changes */
	struct myna_identity id;    /* from the last HELLO_ACK */
	bool down_logged[2];        /* per role: "unreachable" logged once per outage */
};

/* The only global: Lun -> slot, with reference counts so that
 * IFDHCloseChannel never frees a slot another thread is still using. */
static struct {
	pthread_mutex_t lock;
	pthread_cond_t released;
	struct slot *slot[MAX_CHANNELS];
} table = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, { NULL } };

/* ---------------------------------------------------------------- logging */

/* pcscd's own log function needs libpcsclite linkage we do not want, so:
 * errors go to stderr (seen with pcscd --foreground) and syslog; debug
 * lines (MYNASIM_IFD_DEBUG=1) to stderr only. A MYNA_FUZZING build formats
 * every message (the sanitizers check the arguments) and prints none. */
static void vlog(int prio, DWORD lun, const char *fmt, va_list ap)
{
	char msg[512];

	vsnprintf(msg, sizeof msg, fmt, ap);
#ifdef MYNA_FUZZING
	(void)prio;
	(void)lun;
#else
	fprintf(stderr, "mynasim-ifd[%05lX]: %s\n", (unsigned long)lun, msg);
	if (prio <= LOG_ERR)
		syslog(LOG_DAEMON | prio, "mynasim-ifd[%05lX]: %s", (unsigned long)lun, msg);
#endif
}

static void log_info(DWORD lun, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void log_info(DWORD lun, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_INFO, lun, fmt, ap);
	va_end(ap);
}

static void log_err(DWORD lun, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void log_err(DWORD lun, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_ERR, lun, fmt, ap);
	va_end(ap);
}

static void dbg(const struct slot *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void dbg(const struct slot *s, const char *fmt, ...)
{
	va_list ap;

	if (!s->debug)
		return;
	va_start(ap, fmt);
	vlog(LOG_DEBUG, s->lun, fmt, ap);
	va_end(ap);
}

/* The message of an ERROR frame, made safe for a log line. */
static void error_text(const uint8_t *p, size_t n, char *out, size_t outlen)
{
	size_t i, o = 0;

	for (i = 0; i < n && o + 1 < outlen && o < 200; i++)
		out[o++] = (p[i] >= 0x20 && p[i] < 0x7F) || p[i] >= 0x80 ? (char)p[i] : '?';
	out[o] = '\0';
}

/* ------------------------------------------------------------ slot table */

static struct slot *slot_get(DWORD lun)
{
	struct slot *s = NULL;

	pthread_mutex_lock(&table.lock);
	for (int i = 0; i < MAX_CHANNELS; i++) {
		if (table.slot[i] && table.slot[i]->lun == lun) {
			s = table.slot[i];
			s->refs++;
			break;
		}
	}
	pthread_mutex_unlock(&table.lock);
	return s;
}

static void slot_put(struct slot *s)
{
	pthread_mutex_lock(&table.lock);
	if (--s->refs == 0)
		pthread_cond_broadcast(&table.released);
	pthread_mutex_unlock(&table.lock);
}

/* Wake the event thread (stop request or link loss). The pipe is
 * non-blocking: when it is full a wake-up is pending anyway. */
static void wake(struct slot *s)
{
	ssize_t r = write(s->wake[1], "w", 1);

	(void)r;
}

/* Consume pending wake-ups; true if there were any. */
static bool drain_wake(struct slot *s)
{
	uint8_t b[64];
	bool any = false;

	while (read(s->wake[0], b, sizeof b) > 0)
		any = true;
	return any;
}

static void slot_free(struct slot *s)
{
	if (s->cmd_fd >= 0)
		close(s->cmd_fd);
	if (s->evt_fd >= 0)
		close(s->evt_fd);
	if (s->wake[0] >= 0)
		close(s->wake[0]);
	if (s->wake[1] >= 0)
		close(s->wake[1]);
	pthread_mutex_destroy(&s->cmd_lock);
	pthread_mutex_destroy(&s->state_lock);
	free(s->rx);
	free(s);
}

static struct slot *slot_new(DWORD lun, const struct myna_config *cfg)
{
	struct slot *s = calloc(1, sizeof *s);
	const char *d = getenv("MYNASIM_IFD_DEBUG");

	if (!s)
		return NULL;
	s->lun = lun;
	s->index = (uint8_t)(lun & 0xFFFF);
	s->cfg = *cfg;
	s->debug = d && *d && strcmp(d, "0") != 0;
	s->cmd_fd = s->evt_fd = -1;
	s->wake[0] = s->wake[1] = -1;
	pthread_mutex_init(&s->cmd_lock, NULL);
	pthread_mutex_init(&s->state_lock, NULL);
	s->rx = malloc(MYNA_MAX_PAYLOAD);
	if (!s->rx || pipe2(s->wake, O_NONBLOCK | O_CLOEXEC) != 0) {
		slot_free(s);
		return NULL;
	}
	return s;
}

/* -------------------------------------------------------- shared state */

static unsigned current_gen(struct slot *s)
{
	unsigned g;

	pthread_mutex_lock(&s->state_lock);
	g = s->gen;
	pthread_mutex_unlock(&s->state_lock);
	return g;
}

/* atr may be NULL when n is 0 (forget the ATR): memcpy must not see it,
 * a NULL source is undefined even for 0 bytes (found by fuzz_control). */
static void set_atr(struct slot *s, const uint8_t *atr, size_t n)
{
	pthread_mutex_lock(&s->state_lock);
	if (n > 0)
		memcpy(s->atr, atr, n);
	s->atr_len = n;
	s->protocol = 0;            /* a power action ends the negotiated protocol */
	pthread_mutex_unlock(&s->state_lock);
}

/* Every HELLO_ACK says who the simulator is (or, from an older one, nothing). */
static void set_identity(struct slot *s, const struct myna_identity *id)
{
	pthread_mutex_lock(&s->state_lock);
	s->id = *id;
	pthread_mutex_unlock(&s->state_lock);
}

/* A consistent snapshot of the slot for the attribute functions. */
static void view_of(struct slot *s, struct myna_slot_view *v)
{
	v->index = s->index;
	v->slots = s->cfg.slots;
	v->tcp = s->cfg.ep.tcp;
	pthread_mutex_lock(&s->state_lock);
	v->present = s->present;
	v->flags = s->flags;
	v->atr_len = s->atr_len;
	memcpy(v->atr, s->atr, sizeof v->atr);
	v->protocol = s->protocol;
	v->id = s->id;
	pthread_mutex_unlock(&s->state_lock);
}

/* The link to the simulator is gone: the slot shows no card from now on,
 * and both connections are dropped (each by its owner, when it sees the new
 * generation). `conn` names the connection that broke, for the log (NULL
 * when opening failed: note_unreachable logs that). wake_events=false when
 * the event thread itself calls. */
static void link_lost(struct slot *s, const char *conn, int io, bool wake_events)
{
	pthread_mutex_lock(&s->state_lock);
	s->gen++;
	s->present = false;
	s->flags = 0;
	s->atr_len = 0;
	s->protocol = 0;
	pthread_mutex_unlock(&s->state_lock);
	if (conn)
		log_err(s->lun, "%s connection to %s: %s; slot %u shows no card until the simulator is back",
			conn, s->cfg.ep.text, myna_io_name(io), s->index);
	if (wake_events)
		wake(s);
}

/* Connect failures repeat every 250 ms while the simulator is away: log
 * only the first one of each outage (per role, so that one connection
 * coming back does not re-arm the other's message). */
static void note_unreachable(struct slot *s, enum myna_role role, int io, unsigned code)
{
	bool first;

	pthread_mutex_lock(&s->state_lock);
	first = !s->down_logged[role];
	s->down_logged[role] = true;
	pthread_mutex_unlock(&s->state_lock);
	if (!first) {
		dbg(s, "connect to %s: %s (code %u)", s->cfg.ep.text, myna_io_name(io), code);
		return;
	}
	if (io == MYNA_IO_REFUSED)
		log_err(s->lun, "simulator at %s refused slot %u (error %u); retrying every %d ms",
			s->cfg.ep.text, s->index, code, RETRY_MS);
	else
		log_err(s->lun, "cannot reach the simulator at %s (%s); retrying every %d ms",
			s->cfg.ep.text, myna_io_name(io), RETRY_MS);
}

static void note_reachable(struct slot *s, enum myna_role role)
{
	bool was_down;

	pthread_mutex_lock(&s->state_lock);
	was_down = s->down_logged[role];
	s->down_logged[role] = false;
	pthread_mutex_unlock(&s->state_lock);
	if (was_down)
		log_info(s->lun, "simulator at %s reachable again", s->cfg.ep.text);
}

/* Connect and say HELLO within CONNECT_BUDGET_MS. */
static int open_link(struct slot *s, enum myna_role role, int wake_fd, int *fd_out)
{
	int64_t deadline = myna_now_ms() + CONNECT_BUDGET_MS;
	struct myna_hello_ack ack;
	unsigned code = 0;
	int fd = -1;
	int r = myna_connect(&s->cfg.ep, deadline, wake_fd, &fd);

	if (r == MYNA_IO_OK)
		r = myna_hello(fd, s->index, role, deadline, wake_fd, &ack, &code);
	if (r != MYNA_IO_OK) {
		if (fd >= 0)
			close(fd);
		if (r != MYNA_IO_WOKEN)
			note_unreachable(s, role, r, code);
		return r;
	}
	note_reachable(s, role);
	set_identity(s, &ack.id);
	dbg(s, "%s connection up (simulator has %u slots, serial \"%s\", firmware \"%s\")",
		role == MYNA_ROLE_EVENT ? "event" : "command", ack.sim_slots, ack.id.serial, ack.id.firmware);
	*fd_out = fd;
	return MYNA_IO_OK;
}

/* ---------------------------------------------------- command connection */

static void cmd_close(struct slot *s)
{
	if (s->cmd_fd >= 0) {
		close(s->cmd_fd);
		s->cmd_fd = -1;
	}
}

/* Caller holds cmd_lock. Drops a stale connection, (re)connects lazily. */
static int cmd_ensure(struct slot *s)
{
	unsigned gen = current_gen(s);
	int r;

	if (s->cmd_fd >= 0 && s->cmd_gen != gen)
		cmd_close(s);
	if (s->cmd_fd >= 0)
		return MYNA_IO_OK;
	r = open_link(s, MYNA_ROLE_COMMAND, -1, &s->cmd_fd);
	if (r == MYNA_IO_OK)
		s->cmd_gen = gen;
	return r;
}

/* Is `f` an acceptable reply to a `req` request? ERROR always is. */
static bool reply_ok(uint8_t req, const struct myna_frame *f)
{
	if (f->type == MYNA_ERROR)
		return f->len >= 2;
	switch (req) {
	case MYNA_POWER_ON:
	case MYNA_RESET:
		return f->type == MYNA_ATR && f->len >= 1 && f->len <= MYNA_MAX_ATR;
	case MYNA_POWER_OFF:
		return f->type == MYNA_ACK && f->len == 0;
	case MYNA_TRANSMIT:
		return f->type == MYNA_RESPONSE && f->len >= 2;
	default:
		return false;
	}
}

/* One request, exactly one reply (payload in s->rx). Caller holds
 * cmd_lock. On anything but MYNA_IO_OK the link is dropped: after a
 * timeout a late reply would be out of step. */
static int cmd_call(struct slot *s, uint8_t req, const void *payload, size_t len,
	struct myna_frame *reply)
{
	int r = cmd_ensure(s);

	if (r != MYNA_IO_OK) {
		link_lost(s, NULL, r, true);
		return r;
	}
	int64_t deadline = myna_now_ms() + s->cfg.timeout_ms;
	r = myna_send_frame(s->cmd_fd, req, s->index, payload, len, deadline);
	/* The reply cannot be there yet: poll first, then every recv succeeds
	 * at its first try (one syscall less than recv-EAGAIN-poll-recv). */
	if (r == MYNA_IO_OK)
		r = myna_wait_readable(s->cmd_fd, -1, deadline);
	if (r == MYNA_IO_OK)
		r = myna_recv_reply(s->cmd_fd, s->index, s->rx, MYNA_MAX_PAYLOAD, reply, deadline);
	if (r == MYNA_IO_OK && !reply_ok(req, reply))
		r = MYNA_IO_PROTO;
	if (r != MYNA_IO_OK) {
		cmd_close(s);
		link_lost(s, "command", r, true);
	}
	return r;
}

/* Log an ERROR reply and return its code. "No card" is routine. */
static unsigned sim_error(struct slot *s, const char *what, const struct myna_frame *f)
{
	unsigned code = myna_be16(s->rx);
	char text[256];

	error_text(s->rx + 2, f->len - 2, text, sizeof text);   /* reply_ok: len >= 2 */
	if (code == MYNA_ERR_NO_CARD)
		dbg(s, "%s: simulator error %u: %s", what, code, text);
	else
		log_err(s->lun, "%s: simulator error %u: %s", what, code, text);
	return code;
}

/* ------------------------------------------------------ event connection */

static void evt_close(struct slot *s)
{
	if (s->evt_fd >= 0) {
		close(s->evt_fd);
		s->evt_fd = -1;
	}
}

/* Open the event connection, at most one attempt per RETRY_MS. */
static int evt_open(struct slot *s, int64_t deadline)
{
	int64_t next = s->last_attempt_ms + RETRY_MS;
	unsigned gen;
	int r;

	if (myna_now_ms() < next) {
		int64_t until = next < deadline ? next : deadline;
		if (myna_wait_readable(s->wake[0], -1, until) == MYNA_IO_OK)
			return MYNA_IO_WOKEN;
		if (myna_now_ms() >= deadline)
			return MYNA_IO_TIMEOUT;
	}
	s->last_attempt_ms = myna_now_ms();
	gen = current_gen(s);
	r = open_link(s, MYNA_ROLE_EVENT, s->wake[0], &s->evt_fd);
	if (r == MYNA_IO_OK)
		s->evt_gen = gen;
	return r;
}

/* Apply a CARD_EVENT. True when the presence changed, i.e. when pcscd
 * must call IFDHICCPresence again. */
static bool apply_state(struct slot *s, uint8_t flags)
{
	bool changed;

	pthread_mutex_lock(&s->state_lock);
	if (s->evt_gen != s->gen) {
		/* the link was lost meanwhile: do not resurrect the card */
		pthread_mutex_unlock(&s->state_lock);
		return true;
	}
	changed = s->present != !!(flags & MYNA_FLAG_PRESENT);
	s->present = flags & MYNA_FLAG_PRESENT;
	s->flags = flags;
	if (!s->present) {
		s->atr_len = 0;
		s->protocol = 0;
	}
	pthread_mutex_unlock(&s->state_lock);
	dbg(s, "CARD_EVENT flags=0x%02X%s", flags, changed ? " (presence changed)" : "");
	return changed;
}

/* Read one frame from the event connection (known to be readable). */
static bool evt_read(struct slot *s)
{
	uint8_t buf[MYNA_STATE_MAX];
	struct myna_frame f;
	int r = myna_recv_frame(s->evt_fd, s->index, buf, sizeof buf, &f,
		myna_now_ms() + CONNECT_BUDGET_MS, -1);

	if (r == MYNA_IO_OK && (f.type != MYNA_CARD_EVENT || f.len < 1 || f.len > MYNA_STATE_MAX))
		r = MYNA_IO_PROTO;
	if (r != MYNA_IO_OK) {
		evt_close(s);
		link_lost(s, "event", r, false);
		return true;
	}
	return apply_state(s, buf[0]);
}

/* The body of pcscd's event wait: return when pcscd should look at the
 * presence again (a change, a lost link, a stop request) or at the
 * deadline. While the simulator is away, retry every RETRY_MS. */
static void event_wait(struct slot *s, int64_t deadline)
{
	/* A wake-up that came while pcscd was outside this function (e.g.
	 * the stop request of an SCardDisconnect) ends this wait at once:
	 * pcscd then restarts it with the timeout it wants now. */
	if (drain_wake(s))
		return;
	for (;;) {
		int r;

		if (s->evt_fd >= 0 && s->evt_gen != current_gen(s))
			evt_close(s);   /* lost elsewhere; pcscd has seen the card go */
		if (s->evt_fd < 0) {
			r = evt_open(s, deadline);
			if (r == MYNA_IO_OK)
				continue;   /* connected: the first CARD_EVENT is next */
		} else {
			r = myna_wait_readable(s->evt_fd, s->wake[0], deadline);
			if (r == MYNA_IO_OK) {
				if (evt_read(s))
					return; /* presence changed or link lost */
				continue;
			}
			if (r == MYNA_IO_CLOSED) {  /* poll() itself failed */
				evt_close(s);
				link_lost(s, "event", r, false);
				return;
			}
		}
		if (r == MYNA_IO_WOKEN) {
			drain_wake(s);
			return;
		}
		if (myna_now_ms() >= deadline)
			return;
	}
}

/* TAG_IFD_POLLING_THREAD_WITH_TIMEOUT */
static RESPONSECODE poll_event(DWORD Lun, int timeout_ms)
{
	struct slot *s = slot_get(Lun);

	if (!s)
		return IFD_COMMUNICATION_ERROR;
	event_wait(s, myna_now_ms() + (timeout_ms > 0 ? timeout_ms : 0));
	slot_put(s);
	return IFD_SUCCESS;
}

/* TAG_IFD_STOP_POLLING_THREAD: pcscd calls it at shutdown and on every
 * SCardDisconnect (to restart the wait with a new timeout). */
static RESPONSECODE stop_event(DWORD Lun)
{
	struct slot *s = slot_get(Lun);

	if (!s)
		return IFD_COMMUNICATION_ERROR;
	wake(s);
	slot_put(s);
	return IFD_SUCCESS;
}

/* -------------------------------------------------------- channel setup */

static RESPONSECODE open_channel(DWORD Lun, const char *devicename)
{
	struct myna_config cfg;
	char err[200];
	struct slot *s;
	int free_i = -1;

	if (myna_parse_devicename(devicename, &cfg, err, sizeof err) != 0) {
		log_err(Lun, "bad DEVICENAME \"%s\": %s", devicename, err);
		return IFD_COMMUNICATION_ERROR;
	}
	if ((Lun & 0xFFFF) >= MYNA_MAX_SLOTS) {
		log_err(Lun, "slot %lu out of range", (unsigned long)(Lun & 0xFFFF));
		return IFD_COMMUNICATION_ERROR;
	}
	s = slot_new(Lun, &cfg);
	if (!s)
		return IFD_COMMUNICATION_ERROR;
	dbg(s, "open %s slots=%u timeout=%u ms", cfg.ep.text, cfg.slots, cfg.timeout_ms);

	/* Learn the initial state now (bounded by 1 s) so that the reader is
	 * complete when pcscd publishes it; an absent simulator is fine. */
	if (evt_open(s, myna_now_ms() + CONNECT_BUDGET_MS) == MYNA_IO_OK &&
	    myna_wait_readable(s->evt_fd, -1, myna_now_ms() + CONNECT_BUDGET_MS) == MYNA_IO_OK)
		(void)evt_read(s);

	pthread_mutex_lock(&table.lock);
	for (int i = 0; i < MAX_CHANNELS; i++) {
		if (table.slot[i] && table.slot[i]->lun == Lun) {
			free_i = -2;
			break;
		}
		if (!table.slot[i] && free_i == -1)
			free_i = i;
	}
	if (free_i >= 0)
		table.slot[free_i] = s;
	pthread_mutex_unlock(&table.lock);
	if (free_i < 0) {
		log_err(Lun, free_i == -2 ? "channel already open" : "too many channels");
		slot_free(s);
		return IFD_COMMUNICATION_ERROR;
	}
	return IFD_SUCCESS;
}

RESPONSECODE IFDHCreateChannelByName(DWORD Lun, LPSTR DeviceName)
{
	return open_channel(Lun, DeviceName);
}

/* Without a DEVICENAME there is nothing to tell us where the simulator is:
 * use the documented default socket. */
RESPONSECODE IFDHCreateChannel(DWORD Lun, DWORD Channel)
{
	(void)Channel;
	return open_channel(Lun, MYNA_DEFAULT_DEVICENAME);
}

RESPONSECODE IFDHCloseChannel(DWORD Lun)
{
	struct slot *s = NULL;

	pthread_mutex_lock(&table.lock);
	for (int i = 0; i < MAX_CHANNELS; i++) {
		if (table.slot[i] && table.slot[i]->lun == Lun) {
			s = table.slot[i];
			table.slot[i] = NULL;
			break;
		}
	}
	if (s) {
		wake(s);    /* pcscd stops its event thread first; be safe anyway */
		while (s->refs > 0)
			pthread_cond_wait(&table.released, &table.lock);
	}
	pthread_mutex_unlock(&table.lock);
	if (!s)
		return IFD_COMMUNICATION_ERROR;
	dbg(s, "close");
	slot_free(s);
	return IFD_SUCCESS;
}

/* ---------------------------------------------------------- capabilities */

/* Attributes of the slot (attrib.c), from a snapshot of its state. */
static RESPONSECODE slot_capability(DWORD Lun, DWORD Tag, PDWORD Length, PUCHAR Value)
{
	struct slot *s = slot_get(Lun);
	struct myna_slot_view v;

	if (!s)
		return IFD_COMMUNICATION_ERROR;
	view_of(s, &v);
	slot_put(s);
	return myna_attribute(&v, Tag, Length, Value);
}

RESPONSECODE IFDHGetCapabilities(DWORD Lun, DWORD Tag, PDWORD Length, PUCHAR Value)
{
	RESPONSECODE (*events)(DWORD, int) = poll_event;
	RESPONSECODE (*stop)(DWORD) = stop_event;
	const UCHAR yes = 1, no = 0, access = SIM_ACCESS;

	switch (Tag) {
	case TAG_IFD_SLOT_THREAD_SAFE:         /* one mutex per slot, see top */
	case TAG_IFD_THREAD_SAFE:              /* no state shared between readers */
		return myna_put(Length, Value, &yes, 1);
	case TAG_IFD_SIMULTANEOUS_ACCESS:      /* distinct Luns for several entries */
		return myna_put(Length, Value, &access, 1);
	case TAG_IFD_POLLING_THREAD_KILLABLE:  /* no: stop_event wakes it */
		return myna_put(Length, Value, &no, 1);
	case TAG_IFD_POLLING_THREAD_WITH_TIMEOUT:
		return myna_put(Length, Value, &events, sizeof events);
	case TAG_IFD_STOP_POLLING_THREAD:
		return myna_put(Length, Value, &stop, sizeof stop);
	default:
		return slot_capability(Lun, Tag, Length, Value);
	}
}

RESPONSECODE IFDHSetCapabilities(DWORD Lun, DWORD Tag, DWORD Length, PUCHAR Value)
{
	(void)Lun;
	(void)Tag;
	(void)Length;
	(void)Value;
	return IFD_ERROR_TAG;
}

/* The relay works on APDUs whatever the ATR announces: accept T=0 and T=1
 * (pcscd asks for T=1 first when the ATR offers it). */
RESPONSECODE IFDHSetProtocolParameters(DWORD Lun, DWORD Protocol, UCHAR Flags,
	UCHAR PTS1, UCHAR PTS2, UCHAR PTS3)
{
	struct slot *s;

	(void)Flags;
	(void)PTS1;
	(void)PTS2;
	(void)PTS3;
	if (Protocol != SCARD_PROTOCOL_T0 && Protocol != SCARD_PROTOCOL_T1)
		return IFD_PROTOCOL_NOT_SUPPORTED;
	s = slot_get(Lun);
	if (!s)
		return IFD_COMMUNICATION_ERROR;
	/* remembered for SCARD_ATTR_CURRENT_PROTOCOL_TYPE until the next power action */
	pthread_mutex_lock(&s->state_lock);
	s->protocol = (uint32_t)Protocol;
	pthread_mutex_unlock(&s->state_lock);
	slot_put(s);
	return IFD_SUCCESS;
}

/* ----------------------------------------------------------------- power */

static RESPONSECODE power_up(struct slot *s, uint8_t req, PUCHAR Atr, PDWORD AtrLength)
{
	DWORD cap = AtrLength ? *AtrLength : 0;
	struct myna_frame f;

	if (AtrLength)
		*AtrLength = 0;
	set_atr(s, NULL, 0);
	if (cmd_call(s, req, NULL, 0, &f) != MYNA_IO_OK)
		return IFD_COMMUNICATION_ERROR;
	if (f.type == MYNA_ERROR) {
		sim_error(s, req == MYNA_RESET ? "RESET" : "POWER_ON", &f);
		return IFD_ERROR_POWER_ACTION;
	}
	set_atr(s, s->rx, f.len);
	if (!Atr || !AtrLength || cap < f.len)
		return IFD_ERROR_INSUFFICIENT_BUFFER;
	memcpy(Atr, s->rx, f.len);
	*AtrLength = f.len;
	return IFD_SUCCESS;
}

static RESPONSECODE power_down(struct slot *s, PDWORD AtrLength)
{
	struct myna_frame f;

	if (AtrLength)
		*AtrLength = 0;
	set_atr(s, NULL, 0);
	if (cmd_call(s, MYNA_POWER_OFF, NULL, 0, &f) != MYNA_IO_OK)
		return IFD_COMMUNICATION_ERROR;
	if (f.type == MYNA_ERROR) {
		sim_error(s, "POWER_OFF", &f);
		return IFD_ERROR_POWER_ACTION;
	}
	return IFD_SUCCESS;
}

RESPONSECODE IFDHPowerICC(DWORD Lun, DWORD Action, PUCHAR Atr, PDWORD AtrLength)
{
	struct slot *s = slot_get(Lun);
	RESPONSECODE rv;

	if (!s) {
		if (AtrLength)
			*AtrLength = 0;
		return IFD_COMMUNICATION_ERROR;
	}
	dbg(s, "PowerICC(%lu)", (unsigned long)Action);
	pthread_mutex_lock(&s->cmd_lock);
	switch (Action) {
	case IFD_POWER_UP:
		rv = power_up(s, MYNA_POWER_ON, Atr, AtrLength);
		break;
	case IFD_RESET:
		rv = power_up(s, MYNA_RESET, Atr, AtrLength);
		break;
	case IFD_POWER_DOWN:
		rv = power_down(s, AtrLength);
		break;
	default:
		/* no ATR comes back from an action we do not know (fuzz_handler) */
		if (AtrLength)
			*AtrLength = 0;
		rv = IFD_NOT_SUPPORTED;
	}
	pthread_mutex_unlock(&s->cmd_lock);
	slot_put(s);
	return rv;
}

/* -------------------------------------------------------------- transmit */

static RESPONSECODE transmit(struct slot *s, const UCHAR *tx, DWORD txlen,
	PUCHAR rx, DWORD cap, PDWORD rxlen)
{
	struct myna_frame f;
	int r = cmd_call(s, MYNA_TRANSMIT, tx, txlen, &f);

	if (r == MYNA_IO_TIMEOUT)
		return IFD_RESPONSE_TIMEOUT;
	if (r != MYNA_IO_OK)
		return IFD_COMMUNICATION_ERROR;
	if (f.type == MYNA_ERROR)
		return sim_error(s, "TRANSMIT", &f) == MYNA_ERR_NO_CARD ?
			IFD_ICC_NOT_PRESENT : IFD_COMMUNICATION_ERROR;
	if (!rx || f.len > cap)
		return IFD_ERROR_INSUFFICIENT_BUFFER;
	memcpy(rx, s->rx, f.len);
	*rxlen = f.len;
	return IFD_SUCCESS;
}

RESPONSECODE IFDHTransmitToICC(DWORD Lun, SCARD_IO_HEADER SendPci, PUCHAR TxBuffer,
	DWORD TxLength, PUCHAR RxBuffer, PDWORD RxLength, PSCARD_IO_HEADER RecvPci)
{
	struct slot *s;
	DWORD cap;
	RESPONSECODE rv;

	(void)SendPci;
	if (!RxLength)
		return IFD_COMMUNICATION_ERROR;
	cap = *RxLength;
	*RxLength = 0;
	/* The protocol carries 4..65544-byte command APDUs; do not send what
	 * the simulator would have to reject as a bad frame. */
	if (!TxBuffer || TxLength < 4 || TxLength > MYNA_MAX_APDU)
		return IFD_COMMUNICATION_ERROR;
	s = slot_get(Lun);
	if (!s)
		return IFD_COMMUNICATION_ERROR;
	pthread_mutex_lock(&s->cmd_lock);
	rv = transmit(s, TxBuffer, TxLength, RxBuffer, cap, RxLength);
	pthread_mutex_unlock(&s->cmd_lock);
	if (rv == IFD_SUCCESS && RecvPci)
		RecvPci->Protocol = 1;   /* T=1 */
	if (rv != IFD_SUCCESS)
		dbg(s, "TransmitToICC(%lu bytes) -> %ld", (unsigned long)TxLength, (long)rv);
	slot_put(s);
	return rv;
}

/* --------------------------------------------------------------- control */

/* CM_IOCTL_GET_FEATURE_REQUEST: one TLV, tag + length + big-endian ioctl. */
static RESPONSECODE feature_request(PUCHAR rx, DWORD cap, LPDWORD ret)
{
	uint32_t code = IOCTL_FEATURE_GET_TLV_PROPERTIES;
	const uint8_t tlv[6] = {
		FEATURE_GET_TLV_PROPERTIES, 4,
		(uint8_t)(code >> 24), (uint8_t)(code >> 16), (uint8_t)(code >> 8), (uint8_t)code,
	};

	if (!rx || cap < sizeof tlv)
		return IFD_ERROR_INSUFFICIENT_BUFFER;
	memcpy(rx, tlv, sizeof tlv);
	*ret = sizeof tlv;
	return IFD_SUCCESS;
}

RESPONSECODE IFDHControl(DWORD Lun, DWORD dwControlCode, PUCHAR TxBuffer,
	DWORD TxLength, PUCHAR RxBuffer, DWORD RxLength, LPDWORD pdwBytesReturned)
{
	struct slot *s;
	struct myna_slot_view v;

	(void)TxBuffer;
	(void)TxLength;
	if (!pdwBytesReturned)
		return IFD_COMMUNICATION_ERROR;
	*pdwBytesReturned = 0;
	if (dwControlCode != CM_IOCTL_GET_FEATURE_REQUEST &&
	    dwControlCode != IOCTL_FEATURE_GET_TLV_PROPERTIES)
		return IFD_ERROR_NOT_SUPPORTED;
	/* One snapshot of the slot: whether the reader hides Part 10 (a
	 * reader quirk profile, card state flag bit 3; a Lun that is not
	 * open shows it), and the properties it reports. */
	s = slot_get(Lun);
	if (s) {
		view_of(s, &v);
		slot_put(s);
		if (v.flags & MYNA_FLAG_NO_PART10)
			return IFD_ERROR_NOT_SUPPORTED;
	}
	if (dwControlCode == CM_IOCTL_GET_FEATURE_REQUEST)
		return feature_request(RxBuffer, RxLength, pdwBytesReturned);
	if (!s)
		return IFD_COMMUNICATION_ERROR;
	return myna_tlv_properties(&v, RxBuffer, RxLength, pdwBytesReturned);
}

/* -------------------------------------------------------------- presence */

/* Local and cheap: pcscd calls it after every event wait and before every
 * power action. The event connection keeps `present` current. */
RESPONSECODE IFDHICCPresence(DWORD Lun)
{
	struct slot *s = slot_get(Lun);
	bool present;

	if (!s)
		return IFD_COMMUNICATION_ERROR;
	pthread_mutex_lock(&s->state_lock);
	present = s->present;
	pthread_mutex_unlock(&s->state_lock);
	slot_put(s);
	return present ? IFD_ICC_PRESENT : IFD_ICC_NOT_PRESENT;
}
