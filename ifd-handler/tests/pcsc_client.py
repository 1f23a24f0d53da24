#!/usr/bin/python3
"""pcsc_client.py - small pyscard client for the IFD handler tests (run with /usr/bin/python3).

  pcsc_client.py transmit READER HEX [HEX...]   one connection, each APDU; prints "RESP <hex>"
  pcsc_client.py echo READER N                  ECHO (80 EE) of N bytes, extended if N > 255
  pcsc_client.py maxdata READER                 FEATURE_GET_TLV_PROPERTIES -> dwMaxAPDUDataSize
  pcsc_client.py props READER                   every FEATURE_GET_TLV_PROPERTIES property, one a line
  pcsc_client.py attrib READER shared|direct    SCardGetAttrib of the reader attributes, one a line:
                                                NAME=str:"TEXT"/LEN | dword:0xHEX | hex:HEX | !ERROR
  pcsc_client.py wait READER present|empty MS   SCardGetStatusChange until the state; prints ms
  pcsc_client.py fail READER HEX MS             expects the transmit to FAIL within MS; prints ms
  pcsc_client.py parallel SLOW FAST N           a transmit on SLOW (mute card) in a thread while
                                                FAST does N GET CHALLENGEs; prints FAST's max ms
  pcsc_client.py cycle READER CTL SLOT N         N insert/remove cycles driven through fakesim's
                                                control socket CTL; prints detection latencies
  pcsc_client.py bench READER N                 GET CHALLENGE round trips; prints median us
READER is a substring of the reader name. Exit status 0 = as expected.
"""
import statistics
import sys
import threading
import time

from smartcard import scard as S

FEATURE_GET_TLV_PROPERTIES = 0x12
PROP_dwMaxAPDUDataSize = 10


def ok(rv, what):
    if rv != S.SCARD_S_SUCCESS:
        raise RuntimeError("%s: %s (0x%08X)" % (what, S.SCardGetErrorMessage(rv), rv & 0xFFFFFFFF))


def context():
    rv, ctx = S.SCardEstablishContext(S.SCARD_SCOPE_USER)
    ok(rv, "SCardEstablishContext")
    return ctx


def reader(ctx, want):
    rv, names = S.SCardListReaders(ctx, [])
    ok(rv, "SCardListReaders")
    for name in names:
        if want in name:
            return name
    raise RuntimeError("no reader matching %r in %r" % (want, names))


def connect(ctx, name, share=S.SCARD_SHARE_SHARED):
    protocols = 0 if share == S.SCARD_SHARE_DIRECT else S.SCARD_PROTOCOL_T0 | S.SCARD_PROTOCOL_T1
    rv, h, proto = S.SCardConnect(ctx, name, share, protocols)
    ok(rv, "SCardConnect")
    return h, proto


def transmit(h, proto, apdu):
    rv, resp = S.SCardTransmit(h, proto, list(apdu))
    ok(rv, "SCardTransmit")
    return bytes(resp)


def cmd_transmit(want, *apdus):
    ctx = context()
    h, proto = connect(ctx, reader(ctx, want))
    for a in apdus:
        print("RESP", transmit(h, proto, bytes.fromhex(a)).hex().upper())
    S.SCardDisconnect(h, S.SCARD_LEAVE_CARD)
    return 0


def cmd_echo(want, n):
    n = int(n)
    data = bytes((i * 7 + 1) & 0xFF for i in range(n))
    if n <= 255:
        apdu = bytes([0x80, 0xEE, 0, 0, n]) + data + b"\x00"
    else:
        apdu = bytes([0x80, 0xEE, 0, 0, 0, n >> 8, n & 0xFF]) + data + b"\x00\x00"
    ctx = context()
    h, proto = connect(ctx, reader(ctx, want))
    resp = transmit(h, proto, apdu)
    good = resp == data + b"\x90\x00"
    print("echo %d bytes: response %d bytes, %s" % (n, len(resp), "match" if good else "MISMATCH"))
    return 0 if good else 1


def tlvs(buf):
    i, out = 0, {}
    while i + 2 <= len(buf):
        tag, length = buf[i], buf[i + 1]
        out[tag] = bytes(buf[i + 2:i + 2 + length])
        i += 2 + length
    return out


def cmd_maxdata(want):
    ctx = context()
    h, _ = connect(ctx, reader(ctx, want), S.SCARD_SHARE_DIRECT)
    rv, feat = S.SCardControl(h, S.SCARD_CTL_CODE(3400), [])
    ok(rv, "SCardControl(GET_FEATURE_REQUEST)")
    ioctl = tlvs(feat).get(FEATURE_GET_TLV_PROPERTIES)
    if ioctl is None:
        raise RuntimeError("no FEATURE_GET_TLV_PROPERTIES in %s" % bytes(feat).hex())
    rv, props = S.SCardControl(h, int.from_bytes(ioctl, "big"), [])
    ok(rv, "SCardControl(GET_TLV_PROPERTIES)")
    p = tlvs(props)
    print("dwMaxAPDUDataSize=%d wLcdLayout=%s" % (
        int.from_bytes(p[PROP_dwMaxAPDUDataSize], "little"), p.get(1, b"").hex()))
    S.SCardDisconnect(h, S.SCARD_LEAVE_CARD)
    return 0


PROPERTIES = {1: "wLcdLayout", 2: "bEntryValidationCondition", 3: "bTimeOut2", 4: "wLcdMaxCharacters",
              5: "wLcdMaxLines", 6: "bMinPINSize", 7: "bMaxPINSize", 8: "sFirmwareID", 9: "bPPDUSupport",
              10: "dwMaxAPDUDataSize", 11: "wIdVendor", 12: "wIdProduct"}


def cmd_props(want):
    ctx = context()
    h, _ = connect(ctx, reader(ctx, want), S.SCARD_SHARE_DIRECT)
    rv, feat = S.SCardControl(h, S.SCARD_CTL_CODE(3400), [])
    ok(rv, "SCardControl(GET_FEATURE_REQUEST)")
    rv, props = S.SCardControl(h, int.from_bytes(tlvs(feat)[FEATURE_GET_TLV_PROPERTIES], "big"), [])
    ok(rv, "SCardControl(GET_TLV_PROPERTIES)")
    for tag, value in tlvs(props).items():
        name = PROPERTIES.get(tag, "tag%02X" % tag)
        if name.startswith("s"):
            print('%s=str:"%s"' % (name, value.decode("ascii", "replace")))
        else:
            print("%s=0x%X" % (name, int.from_bytes(value, "little")))
    S.SCardDisconnect(h, S.SCARD_LEAVE_CARD)
    return 0


ATTRIBUTES = [  # name, kind
    ("VENDOR_NAME", "str"), ("VENDOR_IFD_TYPE", "str"), ("VENDOR_IFD_VERSION", "dword"),
    ("VENDOR_IFD_SERIAL_NO", "str"), ("CHANNEL_ID", "dword"), ("MAXINPUT", "dword"),
    ("ICC_PRESENCE", "hex"), ("ICC_INTERFACE_STATUS", "hex"), ("ATR_STRING", "hex"),
    ("CURRENT_PROTOCOL_TYPE", "dword"), ("DEVICE_FRIENDLY_NAME", "str"), ("CHARACTERISTICS", "dword"),
]
ERRORS = {S.SCARD_E_UNSUPPORTED_FEATURE: "SCARD_E_UNSUPPORTED_FEATURE",
          S.SCARD_E_INSUFFICIENT_BUFFER: "SCARD_E_INSUFFICIENT_BUFFER",
          S.SCARD_E_NOT_TRANSACTED: "SCARD_E_NOT_TRANSACTED"}


def cmd_attrib(want, mode):
    ctx = context()
    h, _ = connect(ctx, reader(ctx, want), S.SCARD_SHARE_DIRECT if mode == "direct" else S.SCARD_SHARE_SHARED)
    for name, kind in ATTRIBUTES:
        rv, value = S.SCardGetAttrib(h, getattr(S, "SCARD_ATTR_" + name))
        if rv != S.SCARD_S_SUCCESS:
            print("%s=!%s" % (name, ERRORS.get(rv, "0x%08X" % (rv & 0xFFFFFFFF))))
            continue
        value = bytes(value)
        if kind == "str":
            print('%s=str:"%s"/%d' % (name, value.split(b"\0")[0].decode("ascii", "replace"), len(value)))
        elif kind == "dword" and len(value) == 4:
            print("%s=dword:0x%08X" % (name, int.from_bytes(value, "little")))
        else:
            print("%s=hex:%s" % (name, value.hex().upper()))
    S.SCardDisconnect(h, S.SCARD_LEAVE_CARD)
    return 0


def cmd_wait(want, state, ms):
    ctx = context()
    name = reader(ctx, want)
    flag = S.SCARD_STATE_PRESENT if state == "present" else S.SCARD_STATE_EMPTY
    t0 = time.monotonic()
    deadline = t0 + int(ms) / 1000.0
    current = S.SCARD_STATE_UNAWARE
    while True:
        left = int((deadline - time.monotonic()) * 1000)
        if left <= 0:
            print("timeout waiting for %s" % state)
            return 1
        rv, states = S.SCardGetStatusChange(ctx, left, [(name, current)])
        if rv == S.SCARD_E_TIMEOUT:
            continue
        ok(rv, "SCardGetStatusChange")
        event = states[0][1]
        if event & flag and not event & S.SCARD_STATE_MUTE:
            print("%.1f" % ((time.monotonic() - t0) * 1000))
            return 0
        current = event & ~S.SCARD_STATE_CHANGED


def cmd_fail(want, apdu, ms):
    ctx = context()
    h, proto = connect(ctx, reader(ctx, want))
    t0 = time.monotonic()
    try:
        transmit(h, proto, bytes.fromhex(apdu))
    except RuntimeError as e:
        took = (time.monotonic() - t0) * 1000
        print("%.1f %s" % (took, e))
        return 0 if took <= int(ms) else 1
    print("transmit unexpectedly succeeded")
    return 1


def cmd_parallel(slow, fast, n):
    ctx = context()
    slow_name, fast_name = reader(ctx, slow), reader(ctx, fast)
    result = {}

    def blocked():
        c = context()
        h, proto = connect(c, slow_name)
        t0 = time.monotonic()
        try:
            transmit(h, proto, bytes.fromhex("0084000008"))
            result["slow"] = "succeeded"
        except RuntimeError as e:
            result["slow"] = "failed after %.0f ms (%s)" % ((time.monotonic() - t0) * 1000, e)

    t = threading.Thread(target=blocked)
    t.start()
    time.sleep(0.1)                         # let the slow transmit get stuck first
    h, proto = connect(ctx, fast_name)
    worst = 0.0
    for _ in range(int(n)):
        t0 = time.monotonic()
        transmit(h, proto, bytes.fromhex("0084000008"))
        worst = max(worst, (time.monotonic() - t0) * 1000)
    still_blocked = t.is_alive()
    t.join()
    print("fast max %.1f ms while slow blocked=%s; slow %s" % (worst, still_blocked, result["slow"]))
    return 0 if still_blocked and worst < 500 and "failed" in result["slow"] else 1


def sim_ctl(path, line):
    import socket
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.settimeout(10)
        s.connect(path)
        s.sendall((line + "\n").encode())
        answer = s.makefile("rb").readline().decode()
    if not answer.startswith("ok"):
        raise RuntimeError("fakesim: %s" % answer.strip())


def wait_flag(ctx, name, flag, current, timeout_s):
    """Block in SCardGetStatusChange until `flag` is set; returns the new state."""
    deadline = time.monotonic() + timeout_s
    while True:
        left = int((deadline - time.monotonic()) * 1000)
        if left <= 0:
            raise RuntimeError("timeout waiting for reader state 0x%x" % flag)
        rv, states = S.SCardGetStatusChange(ctx, left, [(name, current)])
        if rv == S.SCARD_E_TIMEOUT:
            continue
        ok(rv, "SCardGetStatusChange")
        current = states[0][1] & ~S.SCARD_STATE_CHANGED
        if current & flag:
            return current


def cmd_cycle(want, ctl, slot, n):
    """Insert/remove latency: from the control command to the state change seen by a client."""
    ctx = context()
    name = reader(ctx, want)
    state = wait_flag(ctx, name, S.SCARD_STATE_EMPTY, S.SCARD_STATE_UNAWARE, 5)
    ins, rem = [], []
    for _ in range(int(n)):
        t0 = time.monotonic()
        sim_ctl(ctl, "present %s 1" % slot)
        state = wait_flag(ctx, name, S.SCARD_STATE_PRESENT, state, 5)
        ins.append((time.monotonic() - t0) * 1000)
        t0 = time.monotonic()
        sim_ctl(ctl, "present %s 0" % slot)
        state = wait_flag(ctx, name, S.SCARD_STATE_EMPTY, state, 5)
        rem.append((time.monotonic() - t0) * 1000)
    print("insert median %.1f max %.1f ms, remove median %.1f max %.1f ms (n=%s)" % (
        statistics.median(ins), max(ins), statistics.median(rem), max(rem), n))
    return 0 if max(ins + rem) < 1000 else 1


def cmd_bench(want, n):
    ctx = context()
    h, proto = connect(ctx, reader(ctx, want))
    apdu = [0x00, 0x84, 0x00, 0x00, 0x08]
    lat = []
    for i in range(int(n) + 200):
        t0 = time.perf_counter_ns()
        rv, resp = S.SCardTransmit(h, proto, apdu)
        t1 = time.perf_counter_ns()
        ok(rv, "SCardTransmit")
        if i >= 200:
            lat.append((t1 - t0) / 1000)
    lat.sort()
    print("median %.1f us p99 %.1f us n=%d" % (statistics.median(lat), lat[int(len(lat) * 0.99)], len(lat)))
    return 0


COMMANDS = {"transmit": cmd_transmit, "echo": cmd_echo, "maxdata": cmd_maxdata, "props": cmd_props,
            "attrib": cmd_attrib, "wait": cmd_wait,
            "fail": cmd_fail, "parallel": cmd_parallel, "cycle": cmd_cycle, "bench": cmd_bench}

if __name__ == "__main__":
    if len(sys.argv) < 3 or sys.argv[1] not in COMMANDS:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    try:
        sys.exit(COMMANDS[sys.argv[1]](*sys.argv[2:]))
    except RuntimeError as e:
        print("error:", e)
        sys.exit(1)
