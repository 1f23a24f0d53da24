#!/usr/bin/env python3
"""mkseeds.py - write the seed corpora of the fuzz targets (fuzz/corpus/<target>/).

  mkseeds.py CAPTURE_DIR [CORPUS_DIR]

CAPTURE_DIR holds a session recorded by capture-session.sh (NNN.s2h: what the simulator sent on
connection NNN, NNN.h2s: what the handler sent). The seeds are those real byte streams, cut into
the input formats of the targets (see the comments at the top of fuzz/handler/fuzz_*.c), plus the
malformed frames of ifd-handler/tests/fakesim.py and hand-made variants of the real frames, so
that every reply type and every failure path has a seed. Regression seeds of fixed findings are
committed as files of their own (regress-*) and are not written here. Rerunning this script
rewrites the seeds it owns (the names below) and leaves every other file alone.
"""
import os
import struct
import sys

HELLO_ACK, ATR, ACK, RESPONSE, STATUS_REPLY, CARD_EVENT, ERROR = 0x81, 0x82, 0x83, 0x85, 0x86, 0x90, 0xFF
HOLD, INPROGRESS, REFUSE, PAD = 0x01, 0x02, 0x04, 0x08


def frame(ftype, slot, payload=b"", length=None):
    return struct.pack(">BBI", ftype, slot, len(payload) if length is None else length) + payload


def frames(data):
    """Split a recorded stream into whole frames (type, slot, payload)."""
    out, i = [], 0
    while i + 6 <= len(data):
        ftype, slot, n = struct.unpack(">BBI", data[i:i + 6])
        out.append((ftype, slot, data[i + 6:i + 6 + n]))
        i += 6 + n
    return out


def script(data, flags=0, pad=0):
    body = bytes([flags]) + struct.pack(">H", len(data)) + data
    return body + (pad.to_bytes(3, "big") if flags & PAD else b"")


def scripts(*items):
    return bytes([len(items)]) + b"".join(items)


# --- operations of fuzz_handler.c ------------------------------------------------------------
def op_power_up(cap_index=4): return bytes([0, cap_index])      # atr_caps[4] = 33
def op_reset(cap_index=4): return bytes([1, cap_index])
def op_power_down(): return bytes([2, 4])
def op_presence(): return bytes([5])
def op_poll(timeout=0): return bytes([6, timeout])
def op_stop(): return bytes([7])


def op_transmit(length, ins=0x84, cap_index=5, how=0):
    table = [0, 1, 3, 4, 5, 6, 13, 261, 262, 300, 4096, 65544, 65545]
    lc = table.index(length) if length in table else (length if 13 <= length <= 255 else 6)
    return bytes([4, lc, how | cap_index, ins])


def op_control(code_byte, cap_code=14, tx_code=0, how=0):
    return bytes([8, code_byte, how, tx_code, cap_code])         # lengths[14] = 264


def op_getcap(tag_index, len_code=14, how=0):
    return bytes([9, tag_index, len_code, how])


def load(capture, name):
    with open(os.path.join(capture, name), "rb") as f:
        return f.read()


def role_of(h2s):
    return h2s[8] if len(h2s) >= 9 and h2s[0] == 0x01 else None


def main():
    capture = sys.argv[1]
    corpus = sys.argv[2] if len(sys.argv) > 2 else os.path.join(os.path.dirname(__file__), "..", "corpus")
    # the recorded connections, by slot and role
    conns = {}
    for name in sorted(os.listdir(capture)):
        if name.endswith(".s2h"):
            h2s = load(capture, name[:-4] + ".h2s")
            key = (h2s[1] if h2s else None, role_of(h2s))
            conns.setdefault(key, []).append(load(capture, name))
    event0 = conns[(0, 1)][0]            # HELLO_ACK, then the card events of the session
    command0 = conns[(0, 0)][0]          # HELLO_ACK, ATR, RESPONSEs, ATR, RESPONSE, ACK
    event1 = conns[(1, 1)][0]            # slot 1: HELLO_ACK, "no card"
    refused2 = conns[(2, 1)][0]          # slot 2 of a 2-slot simulator: ERROR 3
    f_cmd = frames(command0)
    hello_ack0 = frame(*f_cmd[0])
    # the reader identity of docs/wire-protocol.md (serial MNS-0001, firmware "mynasim 0.1.0")
    identity = b"\x01\x08MNS-0001" + b"\x02\x0dmynasim 0.1.0"
    hello_ack_id = frame(HELLO_ACK, 0, b"\x00\x01\x02" + identity)
    atr0 = next(frame(*f) for f in f_cmd if f[0] == ATR)
    resp = [frame(*f) for f in f_cmd if f[0] == RESPONSE]
    event_present = frame(*frames(event0)[1])
    event_absent = frame(CARD_EVENT, 0, b"\x00")
    seeds = {}

    def seed(target, name, data):
        seeds[(target, name)] = data

    # ---- wire: config byte (bit 0 role, bits 1-3 slot, bits 4-6 buffer size) + the stream
    seed("wire", "real-event-slot0", bytes([0x01 | 4 << 4]) + event0)
    seed("wire", "real-event-slot1", bytes([0x01 | 1 << 1 | 4 << 4]) + event1)
    seed("wire", "real-command-slot0", bytes([0x00 | 7 << 4]) + command0)
    seed("wire", "real-command-small-buffer", bytes([0x00 | 5 << 4]) + command0[:600])
    seed("wire", "real-refused-slot2", bytes([0x01 | 2 << 1 | 5 << 4]) + refused2)
    seed("wire", "hello-ack-4-bytes", bytes([0x70]) + frame(HELLO_ACK, 0, b"\x00\x01\x02\x00"))
    seed("wire", "hello-ack-version-2", bytes([0x70]) + frame(HELLO_ACK, 0, b"\x00\x02\x02"))
    seed("wire", "error-1-byte", bytes([0x70]) + frame(ERROR, 0, b"\x00"))
    seed("wire", "oversize", bytes([0x70]) + hello_ack0 + frame(RESPONSE, 0, b"\x90\x00", 0x7FFFFFFF))
    seed("wire", "max-payload-plus-1", bytes([0x70]) + hello_ack0 + frame(RESPONSE, 0, b"", 65553))
    seed("wire", "wrong-slot", bytes([0x70]) + hello_ack0 + frame(RESPONSE, 1, b"\x90\x00"))
    seed("wire", "wake-pending", bytes([0x81 | 4 << 4]) + event0[:20])
    seed("wire", "identity-doc-example", bytes([0x01 | 4 << 4]) + hello_ack_id + event0[9:])
    for kind, tlvs in {"truncated": b"\x01\x05ABC", "repeated": b"\x01\x01A\x01\x01B",
                       "unknown-tag": b"\x7f\x02xy\x01\x01Z", "control-byte": b"\x02\x02A\n",
                       "serial-33": b"\x01\x21" + b"S" * 33, "256-bytes": b"\x7f\xfb" + b"x" * 251,
                       "257-bytes": b"\x7f\xfc" + b"x" * 252}.items():
        seed("wire", "identity-" + kind, bytes([0x70]) + frame(HELLO_ACK, 0, b"\x00\x01\x02" + tlvs))

    # ---- handler: config (slot 0, timeout 5 ms, slots:2) + scripts + operations
    cfg = 0 | 3 << 3 | 1 << 5
    session_ops = (op_power_up() + op_transmit(15, 0xA4) + op_transmit(7, 0xA4) + op_transmit(5, 0xB0)
                   + op_transmit(7, 0xB0) + op_transmit(5, 0x84) + op_transmit(7, 0xA4)
                   + op_transmit(4, 0x20) + op_transmit(5, 0xFF)
                   + op_control(0x00) + op_control(0x40) + op_getcap(0) + op_presence()
                   + op_poll() + op_poll() + op_poll() + op_poll() + op_power_up()
                   + op_transmit(5, 0x84) + op_power_down())
    seed("handler", "real-session", bytes([cfg]) + scripts(script(event0), script(command0)) + session_ops)
    seed("handler", "identity-session",
         bytes([cfg]) + scripts(script(hello_ack_id + event0[9:]), script(hello_ack_id + atr0 + resp[0]))
         + op_getcap(13) + op_control(0x40) + op_power_up() + op_transmit(15, 0xA4) + op_getcap(19)
         + bytes([11, 2]) + op_getcap(19) + op_poll() + op_getcap(13))
    seed("handler", "real-events", bytes([cfg]) + scripts(script(event0)) + op_poll() * 7 + op_presence())
    seed("handler", "real-refused-slot2",
         bytes([2 | 3 << 3 | 2 << 5]) + scripts(script(refused2), script(refused2)) + op_power_up() + op_poll())
    seed("handler", "two-channels",
         bytes([cfg | 4]) + scripts(script(event0), script(event1), script(hello_ack0 + atr0 + resp[0]))
         + op_power_up() + op_transmit(5) + bytes([0x85]) + bytes([0x80, 4]) + op_poll() + bytes([0x86, 0]))
    seed("handler", "mute-card",
         bytes([cfg]) + scripts(script(event0), script(hello_ack0 + atr0, HOLD)) + op_power_up() + op_transmit(5)
         + op_transmit(5))
    seed("handler", "event-held-open", bytes([cfg]) + scripts(script(event0[:19], HOLD)) + op_poll(1) + op_poll(1))
    seed("handler", "connect-in-progress",
         bytes([cfg]) + scripts(script(event0, INPROGRESS), script(hello_ack0 + atr0, INPROGRESS))
         + op_power_up())
    seed("handler", "connect-refused", bytes([cfg]) + scripts(script(b"", REFUSE), script(b"", REFUSE)) + op_power_up()
         + op_poll())
    seed("handler", "response-65538-bytes",
         bytes([cfg]) + scripts(script(event0), script(hello_ack0 + atr0 + frame(RESPONSE, 0, b"", 65538), PAD, 65538))
         + op_power_up() + op_transmit(65544, 0xB0, 5))
    seed("handler", "response-too-big-for-buffer",
         bytes([cfg]) + scripts(script(event0), script(hello_ack0 + atr0 + resp[3])) + op_power_up()
         + op_transmit(7, 0xB0, 4))
    seed("handler", "error-no-card",
         bytes([cfg]) + scripts(script(event0), script(hello_ack0 + frame(ERROR, 0, b"\x00\x01no card in slot 0")))
         + op_power_up())
    seed("handler", "error-not-powered",
         bytes([cfg]) + scripts(script(event0), script(hello_ack0 + atr0 + frame(ERROR, 0, b"\x00\x02not powered")))
         + op_power_up() + op_transmit(5))
    seed("handler", "reopen",
         bytes([cfg]) + scripts(script(event0), script(event0[:16])) + bytes([12]) + op_poll() + bytes([13]))
    seed("handler", "stop-then-poll", bytes([cfg]) + scripts(script(event0)) + op_stop() + op_poll() + op_poll())
    # the malformed replies of fakesim.py, after a real power-up
    bad = {
        "oversize": frame(RESPONSE, 0, b"\x90\x00", 0x7FFFFFFF),
        "huge": frame(RESPONSE, 0, b"", 65553),
        "badtype": frame(0x42, 0, b"\x90\x00"),
        "wrongslot": frame(RESPONSE, 1, b"\x90\x00"),
        "short": frame(RESPONSE, 0, b"\x90"),
        "atr": frame(ATR, 0, b"\x3b\x00"),
        "ack-with-payload": frame(ACK, 0, b"\x00"),
        "atr-34-bytes": frame(ATR, 0, b"\x3b" * 34),
        "status-reply": frame(STATUS_REPLY, 0, b"\x01"),
    }
    for kind, data in bad.items():
        pad = 65553 if kind == "huge" else 0
        seed("handler", "malformed-reply-" + kind,
             bytes([cfg]) + scripts(script(event0), script(hello_ack0 + atr0 + data, PAD if pad else 0, pad))
             + op_power_up() + op_transmit(5) + op_presence())
    bad_events = {
        "oversize": frame(CARD_EVENT, 0, b"", 0xFFFFFFF0),
        "badtype": frame(RESPONSE, 0, b"\x90\x00"),
        "longstate": frame(CARD_EVENT, 0, b"\x01" + b"\x3b" * 40),
        "empty": frame(CARD_EVENT, 0, b""),
    }
    for kind, data in bad_events.items():
        seed("handler", "malformed-event-" + kind,
             bytes([cfg]) + scripts(script(hello_ack0 + event_present + data)) + op_poll() + op_poll() + op_presence())

    # ---- control: config (slot 0, open) + scripts + operations (op, operands)
    ccfg = 0x04
    tags = range(23)
    ctl_ops = (bytes([0, 0x00, 0, 0, 14]) + bytes([0, 0x40, 0, 0, 14]) + bytes([0, 0x40, 0, 0, 3])
               + b"".join(bytes([1, t, 14, 0]) for t in tags)
               + bytes([4]) + b"".join(bytes([1, t, 14, 0]) for t in (0, 16, 17, 18, 19))
               + bytes([5]) + bytes([0, 0x40, 0, 0, 14]) + bytes([2, 10, 3, 0]) + bytes([3, 2]) + bytes([3, 4])
               + bytes([6, 0, 14, 0]) + bytes([7, 0x40, 0, 0, 14]))
    seed("control", "real-card", bytes([ccfg]) + scripts(script(event0), script(hello_ack0 + atr0)) + ctl_ops)
    seed("control", "identity-card",
         bytes([ccfg]) + scripts(script(hello_ack_id + event0[9:]), script(hello_ack_id + atr0)) + ctl_ops
         + bytes([3, 2, 1, 19, 14, 0]))
    seed("control", "no-simulator", bytes([ccfg]) + scripts() + ctl_ops)
    seed("control", "short-buffers",
         bytes([ccfg]) + scripts(script(event0)) + b"".join(bytes([1, t, 1, 0]) for t in tags)
         + b"".join(bytes([0, c, 0, 0, n]) for c in (0x00, 0x40) for n in (0, 1, 2, 6)))
    seed("control", "extended-card",
         bytes([ccfg | 1]) + scripts(script(frame(HELLO_ACK, 1, b"\x00\x01\x02") + frame(CARD_EVENT, 1, b"\x07\x3b\x00")))
         + bytes([0, 0x40, 0, 0, 14]) + bytes([5]) + bytes([0, 0x40, 0, 0, 14]))
    seed("control", "no-channel", bytes([0x00]) + scripts() + ctl_ops)

    # ---- devname: error buffer size byte + DEVICENAME
    names = [
        "mynasim:/run/mynasim/mynasim.sock", "mynasim:/tmp/sim.sock@slots:4@timeout:30000",
        "mynasim:tcp:127.0.0.1:35900", "mynasim:tcp:::1:35900", "'mynasim:tcp:[::1]:35900@timeout:500'",
        "\"mynasim:/tmp/sim.sock@slots:16\"", "mynasim:tcp:localhost:35900@slots:1",
        "mynasim:tcp:10.0.0.1:35900", "mynasim:relative.sock", "mynasim:/tmp/sim.sock@color:red",
        "mynasim:/tmp/sim.sock@slots:17", "mynasim:/tmp/sim.sock@timeout:600001", "vpcd:/tmp/sim.sock",
        "mynasim:/" + "x" * 110 + ".sock",
    ]
    for i, name in enumerate(names):
        seed("devname", "name-%02d" % i, bytes([3 if i % 2 == 0 else 1]) + name.encode())

    for (target, name), data in sorted(seeds.items()):
        os.makedirs(os.path.join(corpus, target), exist_ok=True)
        with open(os.path.join(corpus, target, name), "wb") as f:
            f.write(data)
    print("mkseeds: %d seeds in %s" % (len(seeds), corpus))


if __name__ == "__main__":
    main()
