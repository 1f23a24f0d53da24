/*
 * mynasim IFD handler: the driver pcscd loads for the virtual reader.
 *
 * A thin relay. Every card decision is taken by the simulator (`mynasim serve`), reached over
 * the wire protocol in docs/wire-protocol.md. This file only moves frames, keeps a cached copy
 * of each slot's card state (so IFDHICCPresence is local and cheap), and bounds every wait so a
 * missing, dead or mute simulator never blocks pcscd for long.
 *
 * Per slot (keyed by the full Lun) there are two connections: a command connection
 * (request -> one reply, serialised by pcscd and by a mutex) and an event connection on which
 * the simulator pushes CARD_EVENT frames; pcscd's polling thread waits on the latter.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <ifdhandler.h>
#include <reader.h>

#define PROTOCOL_VERSION 1
#define MAX_PAYLOAD 65552u
#define MAX_CONTEXTS 256
#define MAX_ATR 33
#define DEFAULT_DEVICE "mynasim:/run/mynasim/mynasim.sock"
#define CONNECT_TIMEOUT_MS 1000
#define DEFAULT_REQUEST_TIMEOUT_MS 15000
#define RECONNECT_INTERVAL_MS 250

enum frame_type {
    F_HELLO = 0x01, F_POWER_ON = 0x02, F_POWER_OFF = 0x03, F_RESET = 0x04, F_TRANSMIT = 0x05, F_STATUS = 0x06,
    F_HELLO_ACK = 0x81, F_ATR = 0x82, F_ACK = 0x83, F_RESPONSE = 0x85, F_STATUS_REPLY = 0x86,
    F_CARD_EVENT = 0x90, F_ERROR = 0xFF
};
enum role { ROLE_COMMAND = 0, ROLE_EVENT = 1 };
enum { FLAG_PRESENT = 1, FLAG_POWERED = 2, FLAG_EXTENDED = 4 };
enum { ERR_NO_CARD = 1, ERR_NOT_POWERED = 2 };

/* Where the simulator listens, parsed from DEVICENAME. */
struct address {
    int is_tcp;
    char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
    struct sockaddr_in in;
};

struct slot_ctx {
    int in_use;
    DWORD lun;
    uint8_t slot;
    int slot_count;
    int timeout_ms;
    struct address addr;

    pthread_mutex_t command_lock; /* one request at a time on the command connection */
    int command_fd;

    pthread_mutex_t state_lock;   /* cached card state and the event connection's buffer */
    int event_fd;
    uint8_t event_buf[6 + MAX_ATR + 1 + 64];
    size_t event_len;
    uint8_t flags;
    uint8_t atr[MAX_ATR];
    size_t atr_len;
    struct timespec last_attempt;

    int wake[2];                  /* self-pipe: IFDHStopPolling wakes the polling thread */
};

static pthread_mutex_t table_lock = PTHREAD_MUTEX_INITIALIZER;
static struct slot_ctx *table[MAX_CONTEXTS];

static int debug_enabled(void)
{
    static int cached = -1;
    if (cached < 0) {
        const char *v = getenv("MYNASIM_IFD_DEBUG");
        cached = v && *v && strcmp(v, "0") != 0;
    }
    return cached;
}

static void log_msg(int always, const char *fmt, ...)
{
    if (!always && !debug_enabled())
        return;
    va_list ap;
    va_start(ap, fmt);
    fputs("mynasim-ifd: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

/* ---- time ---- */

static long elapsed_ms(const struct timespec *since)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (now.tv_sec - since->tv_sec) * 1000 + (now.tv_nsec - since->tv_nsec) / 1000000;
}

/* ---- table of slots, keyed by Lun ---- */

static struct slot_ctx *find_ctx(DWORD lun)
{
    struct slot_ctx *found = NULL;
    pthread_mutex_lock(&table_lock);
    for (int i = 0; i < MAX_CONTEXTS; i++)
        if (table[i] && table[i]->lun == lun) {
            found = table[i];
            break;
        }
    pthread_mutex_unlock(&table_lock);
    return found;
}

/*
 * DEVICENAME parsing: mynasim:PATH[@slots:N][@timeout:MS] or mynasim:tcp:127.0.0.1:PORT[@…].
 * pcscd's reader.conf lexer accepts only letters, digits and \ / - . _ @ : in a value.
 */

static int parse_device(const char *device, struct address *addr, int *slots, int *timeout_ms)
{
    char buf[512];
    if (!device || !*device)
        device = DEFAULT_DEVICE;
    if (strncmp(device, "mynasim:", 8) != 0) {
        log_msg(1, "DEVICENAME '%s' does not start with 'mynasim:'", device);
        return -1;
    }
    if (strlen(device + 8) >= sizeof buf)
        return -1;
    strcpy(buf, device + 8);
    *slots = 2;
    *timeout_ms = DEFAULT_REQUEST_TIMEOUT_MS;
    char *options = strchr(buf, '@');
    if (options) {
        *options++ = '\0';
        for (char *opt = strtok(options, "@"); opt; opt = strtok(NULL, "@")) {
            if (strncmp(opt, "slots:", 6) == 0) {
                int n = atoi(opt + 6);
                if (n < 1 || n > 16) {
                    log_msg(1, "slots:%s: must be 1-16", opt + 6);
                    return -1;
                }
                *slots = n;
            } else if (strncmp(opt, "timeout:", 8) == 0) {
                int ms = atoi(opt + 8);
                if (ms < 10 || ms > 600000) {
                    log_msg(1, "timeout:%s: must be 10-600000 ms", opt + 8);
                    return -1;
                }
                *timeout_ms = ms;
            } else {
                log_msg(1, "unknown DEVICENAME option '%s'", opt);
                return -1;
            }
        }
    }
    memset(addr, 0, sizeof *addr);
    if (strncmp(buf, "tcp:", 4) == 0) {
        char *host = buf + 4;
        char *colon = strrchr(host, ':');
        if (!colon)
            return -1;
        *colon = '\0';
        int port = atoi(colon + 1);
        if (port <= 0 || port > 65535)
            return -1;
        if (strcmp(host, "localhost") == 0)
            host = "127.0.0.1";
        addr->is_tcp = 1;
        addr->in.sin_family = AF_INET;
        addr->in.sin_port = htons((uint16_t)port);
        if (inet_pton(AF_INET, host, &addr->in.sin_addr) != 1 ||
            (ntohl(addr->in.sin_addr.s_addr) >> 24) != 127) {
            log_msg(1, "tcp host '%s' is not a loopback address", host);
            return -1;
        }
    } else {
        if (strlen(buf) >= sizeof addr->path)
            return -1;
        strcpy(addr->path, buf);
    }
    return 0;
}

/* ---- bounded socket I/O ---- */

static void close_fd(int *fd)
{
    if (*fd >= 0) {
        close(*fd);
        *fd = -1;
    }
}

/* Waits until fd is readable (or writable); 1 ready, 0 timeout, -1 error/hang-up only. */
static int wait_fd(int fd, short events, int timeout_ms)
{
    struct pollfd p = { .fd = fd, .events = events };
    for (;;) {
        int r = poll(&p, 1, timeout_ms);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return -1;
        if (r == 0)
            return 0;
        if (p.revents & events)
            return 1;
        return -1;
    }
}

static int write_all(int fd, const uint8_t *buf, size_t len, int timeout_ms)
{
    while (len > 0) {
        ssize_t n = send(fd, buf, len, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n > 0) {
            buf += n;
            len -= (size_t)n;
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) && wait_fd(fd, POLLOUT, timeout_ms) == 1)
            continue;
        return -1;
    }
    return 0;
}

/* Reads exactly len bytes; 0 ok, -1 error or EOF, -2 timeout. */
static int read_all(int fd, uint8_t *buf, size_t len, int timeout_ms)
{
    while (len > 0) {
        int w = wait_fd(fd, POLLIN, timeout_ms);
        if (w == 0)
            return -2;
        if (w < 0)
            return -1;
        ssize_t n = recv(fd, buf, len, MSG_DONTWAIT);
        if (n == 0)
            return -1;
        if (n < 0) {
            if (errno == EINTR || errno == EAGAIN)
                continue;
            return -1;
        }
        buf += n;
        len -= (size_t)n;
    }
    return 0;
}

/* One frame in one send: header and payload together, so nothing waits for a delayed ACK. */
static int send_frame(int fd, uint8_t type, uint8_t slot, const uint8_t *payload, size_t len, int timeout_ms)
{
    uint8_t stack[6 + 300];
    uint8_t *buf = len + 6 <= sizeof stack ? stack : malloc(len + 6);
    if (!buf)
        return -1;
    buf[0] = type;
    buf[1] = slot;
    buf[2] = (uint8_t)(len >> 24);
    buf[3] = (uint8_t)(len >> 16);
    buf[4] = (uint8_t)(len >> 8);
    buf[5] = (uint8_t)len;
    if (len)
        memcpy(buf + 6, payload, len);
    int r = write_all(fd, buf, len + 6, timeout_ms);
    if (buf != stack)
        free(buf);
    return r;
}

/* Reads one frame into payload (capacity cap). 0 ok, -1 error/EOF/bad frame, -2 timeout. */
static int recv_frame(int fd, uint8_t slot, uint8_t *type, uint8_t *payload, size_t cap, size_t *len, int timeout_ms)
{
    uint8_t h[6];
    int r = read_all(fd, h, 6, timeout_ms);
    if (r)
        return r;
    uint32_t n = (uint32_t)h[2] << 24 | (uint32_t)h[3] << 16 | (uint32_t)h[4] << 8 | h[5];
    if (n > MAX_PAYLOAD || n > cap || h[1] != slot) {
        log_msg(1, "slot %u: malformed frame (type %02X, slot %u, %u bytes): closing", slot, h[0], h[1], n);
        return -1;
    }
    r = read_all(fd, payload, n, timeout_ms);
    if (r)
        return r;
    *type = h[0];
    *len = n;
    return 0;
}

/* Connects with a bounded wait and says HELLO; returns the fd or -1. */
static int open_connection(struct slot_ctx *ctx, enum role role)
{
    int fd = socket(ctx->addr.is_tcp ? AF_INET : AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0)
        return -1;
    int r;
    if (ctx->addr.is_tcp) {
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        r = connect(fd, (struct sockaddr *)&ctx->addr.in, sizeof ctx->addr.in);
    } else {
        struct sockaddr_un un = { .sun_family = AF_UNIX };
        strcpy(un.sun_path, ctx->addr.path);
        r = connect(fd, (struct sockaddr *)&un, sizeof un);
    }
    if (r < 0 && errno == EINPROGRESS) {
        int err = 0;
        socklen_t len = sizeof err;
        if (wait_fd(fd, POLLOUT, CONNECT_TIMEOUT_MS) != 1 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) || err) {
            close(fd);
            return -1;
        }
    } else if (r < 0) {
        close(fd);
        return -1;
    }
    const char name[] = "mynasim-ifd";
    uint8_t hello[3 + sizeof name - 1] = { 0, PROTOCOL_VERSION, (uint8_t)role };
    memcpy(hello + 3, name, sizeof name - 1);
    uint8_t type, ack[16];
    size_t ack_len;
    if (send_frame(fd, F_HELLO, ctx->slot, hello, sizeof hello, CONNECT_TIMEOUT_MS) ||
        recv_frame(fd, ctx->slot, &type, ack, sizeof ack, &ack_len, CONNECT_TIMEOUT_MS) || type != F_HELLO_ACK) {
        log_msg(0, "slot %u: simulator refused HELLO", ctx->slot);
        close(fd);
        return -1;
    }
    log_msg(0, "slot %u: %s connection open", ctx->slot, role == ROLE_EVENT ? "event" : "command");
    return fd;
}

/* ---- cached state, fed by CARD_EVENT frames (state_lock held) ---- */

static void apply_state(struct slot_ctx *ctx, const uint8_t *payload, size_t len)
{
    if (len < 1)
        return;
    ctx->flags = payload[0];
    size_t atr_len = len - 1 > MAX_ATR ? MAX_ATR : len - 1;
    memcpy(ctx->atr, payload + 1, atr_len);
    ctx->atr_len = atr_len;
    log_msg(0, "slot %u: card %s, flags %02X", ctx->slot, ctx->flags & FLAG_PRESENT ? "present" : "absent", ctx->flags);
}

static void mark_disconnected(struct slot_ctx *ctx)
{
    close_fd(&ctx->event_fd);
    ctx->event_len = 0;
    ctx->flags = 0;
    ctx->atr_len = 0;
}

/* Reads whatever the event connection holds without blocking and applies complete frames. */
static void drain_events(struct slot_ctx *ctx)
{
    for (;;) {
        if (ctx->event_fd < 0)
            return;
        ssize_t n = recv(ctx->event_fd, ctx->event_buf + ctx->event_len, sizeof ctx->event_buf - ctx->event_len, MSG_DONTWAIT);
        if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
            log_msg(0, "slot %u: simulator gone", ctx->slot);
            mark_disconnected(ctx);
            return;
        }
        if (n < 0)
            return;
        ctx->event_len += (size_t)n;
        while (ctx->event_len >= 6) {
            uint8_t *h = ctx->event_buf;
            uint32_t len = (uint32_t)h[2] << 24 | (uint32_t)h[3] << 16 | (uint32_t)h[4] << 8 | h[5];
            if (h[0] != F_CARD_EVENT || h[1] != ctx->slot || len > 1 + MAX_ATR) {
                log_msg(1, "slot %u: malformed event frame: closing", ctx->slot);
                mark_disconnected(ctx);
                return;
            }
            if (ctx->event_len < 6 + len)
                break;
            apply_state(ctx, h + 6, len);
            memmove(ctx->event_buf, h + 6 + len, ctx->event_len - 6 - len);
            ctx->event_len -= 6 + len;
        }
    }
}

/* Makes sure the event connection is up (at most one attempt per RECONNECT_INTERVAL_MS). */
static void ensure_events(struct slot_ctx *ctx)
{
    if (ctx->event_fd >= 0 || elapsed_ms(&ctx->last_attempt) < RECONNECT_INTERVAL_MS)
        return;
    clock_gettime(CLOCK_MONOTONIC, &ctx->last_attempt);
    ctx->event_fd = open_connection(ctx, ROLE_EVENT);
    if (ctx->event_fd >= 0) {
        /* The simulator sends the current state right after HELLO_ACK. */
        wait_fd(ctx->event_fd, POLLIN, CONNECT_TIMEOUT_MS);
        drain_events(ctx);
    }
}

/* ---- requests on the command connection ---- */

/*
 * Sends one request and reads its reply. Returns IFD_SUCCESS with the reply in out/out_len,
 * or an IFD error. A stale connection (the simulator restarted) is reopened once.
 */
static RESPONSECODE request(struct slot_ctx *ctx, uint8_t type, const uint8_t *payload, size_t len,
                            uint8_t *reply_type, uint8_t *out, size_t cap, size_t *out_len)
{
    RESPONSECODE rc = IFD_COMMUNICATION_ERROR;
    pthread_mutex_lock(&ctx->command_lock);
    for (int attempt = 0; attempt < 2; attempt++) {
        int fresh = 0;
        if (ctx->command_fd < 0) {
            ctx->command_fd = open_connection(ctx, ROLE_COMMAND);
            fresh = 1;
        }
        if (ctx->command_fd < 0) {
            rc = IFD_COMMUNICATION_ERROR;
            break;
        }
        if (send_frame(ctx->command_fd, type, ctx->slot, payload, len, ctx->timeout_ms)) {
            close_fd(&ctx->command_fd);
            if (fresh)
                break;
            continue; /* stale connection: reopen once */
        }
        int r = recv_frame(ctx->command_fd, ctx->slot, reply_type, out, cap, out_len, ctx->timeout_ms);
        if (r == 0) {
            rc = IFD_SUCCESS;
            break;
        }
        close_fd(&ctx->command_fd); /* a late reply would be out of step */
        if (r == -2) {
            log_msg(1, "slot %u: no reply within %d ms", ctx->slot, ctx->timeout_ms);
            rc = IFD_RESPONSE_TIMEOUT;
            break;
        }
        if (fresh)
            break;
    }
    pthread_mutex_unlock(&ctx->command_lock);
    return rc;
}

static int error_code(uint8_t type, const uint8_t *payload, size_t len)
{
    return type == F_ERROR && len >= 2 ? (payload[0] << 8 | payload[1]) : 0;
}

/* ---- the IFD handler API ---- */

RESPONSECODE IFDHCreateChannelByName(DWORD Lun, LPSTR DeviceName)
{
    struct slot_ctx *ctx = calloc(1, sizeof *ctx);
    if (!ctx)
        return IFD_COMMUNICATION_ERROR;
    if (parse_device(DeviceName, &ctx->addr, &ctx->slot_count, &ctx->timeout_ms)) {
        free(ctx);
        return IFD_COMMUNICATION_ERROR;
    }
    if ((Lun & 0xFFFF) > 255 || pipe2(ctx->wake, O_CLOEXEC | O_NONBLOCK)) {
        free(ctx);
        return IFD_COMMUNICATION_ERROR;
    }
    ctx->lun = Lun;
    ctx->slot = (uint8_t)(Lun & 0xFFFF);
    ctx->command_fd = -1;
    ctx->event_fd = -1;
    pthread_mutex_init(&ctx->command_lock, NULL);
    pthread_mutex_init(&ctx->state_lock, NULL);
    ctx->in_use = 1;

    pthread_mutex_lock(&table_lock);
    int placed = 0;
    for (int i = 0; i < MAX_CONTEXTS && !placed; i++)
        if (!table[i]) {
            table[i] = ctx;
            placed = 1;
        }
    pthread_mutex_unlock(&table_lock);
    if (!placed) {
        close(ctx->wake[0]);
        close(ctx->wake[1]);
        free(ctx);
        return IFD_COMMUNICATION_ERROR;
    }
    /* The simulator may not be running yet: that is a reader without a card, not an error. */
    pthread_mutex_lock(&ctx->state_lock);
    ensure_events(ctx);
    pthread_mutex_unlock(&ctx->state_lock);
    log_msg(0, "Lun %lX: slot %u of %d, %s", (unsigned long)Lun, ctx->slot, ctx->slot_count,
            ctx->event_fd >= 0 ? "simulator reached" : "simulator not reachable yet");
    return IFD_SUCCESS;
}

RESPONSECODE IFDHCreateChannel(DWORD Lun, DWORD Channel)
{
    (void)Channel;
    return IFDHCreateChannelByName(Lun, NULL);
}

RESPONSECODE IFDHCloseChannel(DWORD Lun)
{
    struct slot_ctx *ctx = NULL;
    pthread_mutex_lock(&table_lock);
    for (int i = 0; i < MAX_CONTEXTS; i++)
        if (table[i] && table[i]->lun == Lun) {
            ctx = table[i];
            table[i] = NULL;
            break;
        }
    pthread_mutex_unlock(&table_lock);
    if (!ctx)
        return IFD_SUCCESS;
    close_fd(&ctx->command_fd);
    close_fd(&ctx->event_fd);
    close(ctx->wake[0]);
    close(ctx->wake[1]);
    pthread_mutex_destroy(&ctx->command_lock);
    pthread_mutex_destroy(&ctx->state_lock);
    free(ctx);
    return IFD_SUCCESS;
}

/*
 * The polling thread's event wait (TAG_IFD_POLLING_THREAD_WITH_TIMEOUT): returns when the
 * simulator pushes a card event, when IFDHStopPolling wakes it, or after the timeout. While
 * the simulator is absent it returns every RECONNECT_INTERVAL_MS so a restart is seen quickly.
 */
static RESPONSECODE IFDHPolling(DWORD Lun, int timeout)
{
    struct slot_ctx *ctx = find_ctx(Lun);
    if (!ctx)
        return IFD_NO_SUCH_DEVICE;
    pthread_mutex_lock(&ctx->state_lock);
    ensure_events(ctx);
    int fd = ctx->event_fd;
    pthread_mutex_unlock(&ctx->state_lock);

    struct pollfd p[2] = { { .fd = ctx->wake[0], .events = POLLIN }, { .fd = fd, .events = POLLIN } };
    int wait_ms = fd < 0 ? RECONNECT_INTERVAL_MS : timeout;
    if (timeout >= 0 && timeout < wait_ms)
        wait_ms = timeout;
    int r = poll(p, fd < 0 ? 1 : 2, wait_ms);
    if (r > 0 && (p[0].revents & POLLIN)) {
        uint8_t sink[16];
        while (read(ctx->wake[0], sink, sizeof sink) > 0) {
        }
    }
    if (r > 0 && fd >= 0 && p[1].revents) {
        pthread_mutex_lock(&ctx->state_lock);
        drain_events(ctx);
        pthread_mutex_unlock(&ctx->state_lock);
    }
    return IFD_SUCCESS;
}

static RESPONSECODE IFDHStopPolling(DWORD Lun)
{
    struct slot_ctx *ctx = find_ctx(Lun);
    if (ctx) {
        uint8_t b = 1;
        ssize_t ignored = write(ctx->wake[1], &b, 1);
        (void)ignored;
    }
    return IFD_SUCCESS;
}

RESPONSECODE IFDHGetCapabilities(DWORD Lun, DWORD Tag, PDWORD Length, PUCHAR Value)
{
    struct slot_ctx *ctx = find_ctx(Lun);
    if (!ctx)
        return IFD_NO_SUCH_DEVICE;
    switch (Tag) {
    case TAG_IFD_ATR:
    case SCARD_ATTR_ATR_STRING:
        pthread_mutex_lock(&ctx->state_lock);
        if (*Length < ctx->atr_len) {
            pthread_mutex_unlock(&ctx->state_lock);
            return IFD_ERROR_INSUFFICIENT_BUFFER;
        }
        memcpy(Value, ctx->atr, ctx->atr_len);
        *Length = ctx->atr_len;
        pthread_mutex_unlock(&ctx->state_lock);
        return IFD_SUCCESS;
    case TAG_IFD_SIMULTANEOUS_ACCESS:
    case TAG_IFD_SLOTS_NUMBER:
    case TAG_IFD_THREAD_SAFE:
    case TAG_IFD_SLOT_THREAD_SAFE:
    case TAG_IFD_POLLING_THREAD_KILLABLE:
        if (*Length < 1)
            return IFD_ERROR_INSUFFICIENT_BUFFER;
        *Length = 1;
        /* 16 reader entries may share this driver; slots are independent (state per Lun). */
        Value[0] = Tag == TAG_IFD_SIMULTANEOUS_ACCESS ? 16
                 : Tag == TAG_IFD_SLOTS_NUMBER         ? (UCHAR)ctx->slot_count
                 : Tag == TAG_IFD_POLLING_THREAD_KILLABLE ? 0 : 1;
        return IFD_SUCCESS;
    case TAG_IFD_POLLING_THREAD_WITH_TIMEOUT:
    case TAG_IFD_STOP_POLLING_THREAD: {
        void *fn = Tag == TAG_IFD_POLLING_THREAD_WITH_TIMEOUT ? (void *)IFDHPolling : (void *)IFDHStopPolling;
        if (*Length < sizeof fn)
            return IFD_ERROR_INSUFFICIENT_BUFFER;
        memcpy(Value, &fn, sizeof fn);
        *Length = sizeof fn;
        return IFD_SUCCESS;
    }
    default:
        return IFD_ERROR_TAG;
    }
}

RESPONSECODE IFDHSetCapabilities(DWORD Lun, DWORD Tag, DWORD Length, PUCHAR Value)
{
    (void)Lun; (void)Tag; (void)Length; (void)Value;
    return IFD_NOT_SUPPORTED;
}

RESPONSECODE IFDHSetProtocolParameters(DWORD Lun, DWORD Protocol, UCHAR Flags, UCHAR PTS1, UCHAR PTS2, UCHAR PTS3)
{
    (void)Flags; (void)PTS1; (void)PTS2; (void)PTS3;
    if (!find_ctx(Lun))
        return IFD_NO_SUCH_DEVICE;
    /* The virtual card has no transmission layer: any protocol the ATR offers is accepted. */
    return Protocol == SCARD_PROTOCOL_T0 || Protocol == SCARD_PROTOCOL_T1 ? IFD_SUCCESS : IFD_PROTOCOL_NOT_SUPPORTED;
}

RESPONSECODE IFDHPowerICC(DWORD Lun, DWORD Action, PUCHAR Atr, PDWORD AtrLength)
{
    struct slot_ctx *ctx = find_ctx(Lun);
    if (!ctx)
        return IFD_NO_SUCH_DEVICE;
    uint8_t type, reply[64];
    size_t len = 0;
    RESPONSECODE rc;
    switch (Action) {
    case IFD_POWER_DOWN:
        rc = request(ctx, F_POWER_OFF, NULL, 0, &type, reply, sizeof reply, &len);
        if (AtrLength)
            *AtrLength = 0;
        return rc == IFD_SUCCESS && type == F_ACK ? IFD_SUCCESS : rc == IFD_SUCCESS ? IFD_ERROR_POWER_ACTION : rc;
    case IFD_POWER_UP:
    case IFD_RESET:
        rc = request(ctx, Action == IFD_RESET ? F_RESET : F_POWER_ON, NULL, 0, &type, reply, sizeof reply, &len);
        if (rc != IFD_SUCCESS)
            return rc;
        if (type != F_ATR || len == 0 || len > MAX_ATR) {
            if (AtrLength)
                *AtrLength = 0;
            return error_code(type, reply, len) == ERR_NO_CARD ? IFD_ICC_NOT_PRESENT : IFD_ERROR_POWER_ACTION;
        }
        if (!Atr || !AtrLength || *AtrLength < len)
            return IFD_ERROR_INSUFFICIENT_BUFFER;
        memcpy(Atr, reply, len);
        *AtrLength = len;
        pthread_mutex_lock(&ctx->state_lock);
        memcpy(ctx->atr, reply, len);
        ctx->atr_len = len;
        pthread_mutex_unlock(&ctx->state_lock);
        return IFD_SUCCESS;
    default:
        return IFD_NOT_SUPPORTED;
    }
}

RESPONSECODE IFDHTransmitToICC(DWORD Lun, SCARD_IO_HEADER SendPci, PUCHAR TxBuffer, DWORD TxLength,
                               PUCHAR RxBuffer, PDWORD RxLength, PSCARD_IO_HEADER RecvPci)
{
    (void)SendPci;
    struct slot_ctx *ctx = find_ctx(Lun);
    if (!ctx)
        return IFD_NO_SUCH_DEVICE;
    if (!TxBuffer || TxLength < 4 || TxLength > MAX_PAYLOAD || !RxBuffer || !RxLength) {
        if (RxLength)
            *RxLength = 0;
        return IFD_COMMUNICATION_ERROR;
    }
    static const size_t max_response = 65538;
    uint8_t *reply = malloc(max_response);
    if (!reply)
        return IFD_COMMUNICATION_ERROR;
    uint8_t type;
    size_t len = 0;
    RESPONSECODE rc = request(ctx, F_TRANSMIT, TxBuffer, TxLength, &type, reply, max_response, &len);
    if (rc == IFD_SUCCESS) {
        if (type == F_RESPONSE && len >= 2) {
            if (len > *RxLength) {
                rc = IFD_ERROR_INSUFFICIENT_BUFFER;
            } else {
                memcpy(RxBuffer, reply, len);
                *RxLength = len;
            }
        } else {
            rc = error_code(type, reply, len) == ERR_NO_CARD ? IFD_ICC_NOT_PRESENT : IFD_COMMUNICATION_ERROR;
        }
    }
    free(reply);
    if (rc != IFD_SUCCESS)
        *RxLength = 0;
    else if (RecvPci)
        RecvPci->Protocol = 1; /* T=1 */
    return rc;
}

/* PC/SC part 10: FEATURE_GET_TLV_PROPERTIES, so clients know whether extended APDUs work. */
#define IOCTL_FEATURE_GET_TLV_PROPERTIES SCARD_CTL_CODE(FEATURE_GET_TLV_PROPERTIES + 0x330000)

static size_t put_tlv(uint8_t *out, uint8_t tag, uint32_t value, uint8_t size)
{
    out[0] = tag;
    out[1] = size;
    for (uint8_t i = 0; i < size; i++)
        out[2 + i] = (uint8_t)(value >> (8 * i)); /* little-endian, as PCSCv2Part10 expects */
    return 2u + size;
}

RESPONSECODE IFDHControl(DWORD Lun, DWORD dwControlCode, PUCHAR TxBuffer, DWORD TxLength, PUCHAR RxBuffer,
                         DWORD RxLength, LPDWORD pdwBytesReturned)
{
    (void)TxBuffer; (void)TxLength;
    struct slot_ctx *ctx = find_ctx(Lun);
    if (pdwBytesReturned)
        *pdwBytesReturned = 0;
    if (!ctx)
        return IFD_NO_SUCH_DEVICE;
    uint8_t out[64];
    size_t n = 0;
    if (dwControlCode == CM_IOCTL_GET_FEATURE_REQUEST) {
        uint32_t code = IOCTL_FEATURE_GET_TLV_PROPERTIES;
        out[n++] = FEATURE_GET_TLV_PROPERTIES;
        out[n++] = 4;
        out[n++] = (uint8_t)(code >> 24); /* the control code is big-endian here (part 10) */
        out[n++] = (uint8_t)(code >> 16);
        out[n++] = (uint8_t)(code >> 8);
        out[n++] = (uint8_t)code;
    } else if (dwControlCode == IOCTL_FEATURE_GET_TLV_PROPERTIES) {
        pthread_mutex_lock(&ctx->state_lock);
        int extended = (ctx->flags & FLAG_PRESENT) && (ctx->flags & FLAG_EXTENDED);
        pthread_mutex_unlock(&ctx->state_lock);
        static const char firmware[] = "mynasim";
        n += put_tlv(out + n, PCSCv2_PART10_PROPERTY_wLcdLayout, 0, 2);
        n += put_tlv(out + n, PCSCv2_PART10_PROPERTY_bPPDUSupport, 0, 1);
        out[n++] = PCSCv2_PART10_PROPERTY_sFirmwareID;
        out[n++] = sizeof firmware - 1;
        memcpy(out + n, firmware, sizeof firmware - 1);
        n += sizeof firmware - 1;
        n += put_tlv(out + n, PCSCv2_PART10_PROPERTY_dwMaxAPDUDataSize, extended ? 65535u : 0u, 4);
    } else {
        return IFD_ERROR_NOT_SUPPORTED;
    }
    if (!RxBuffer || RxLength < n)
        return IFD_ERROR_INSUFFICIENT_BUFFER;
    memcpy(RxBuffer, out, n);
    if (pdwBytesReturned)
        *pdwBytesReturned = n;
    return IFD_SUCCESS;
}

RESPONSECODE IFDHICCPresence(DWORD Lun)
{
    struct slot_ctx *ctx = find_ctx(Lun);
    if (!ctx)
        return IFD_NO_SUCH_DEVICE;
    pthread_mutex_lock(&ctx->state_lock);
    ensure_events(ctx);
    drain_events(ctx);
    int present = ctx->flags & FLAG_PRESENT;
    pthread_mutex_unlock(&ctx->state_lock);
    return present ? IFD_ICC_PRESENT : IFD_ICC_NOT_PRESENT;
}
