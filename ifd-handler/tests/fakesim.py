#!/usr/bin/env python3
"""fakesim.py - a scripted stand-in for `mynasim serve`, for testing the IFD handler.

It speaks the mynasim wire protocol v1 (docs/wire-protocol.md) with a trivial card, and can be
told to misbehave. Python 3 standard library only.

  fakesim.py serve --socket PATH | --tcp 127.0.0.1:PORT  [--slots N] [--atr HEX]
                   [--absent SLOT,...] [--extended SLOT,...] [--serial TEXT] [--firmware TEXT]
                   --control PATH [--ready FILE]
  fakesim.py ctl CONTROL_PATH COMMAND [ARGS...]      one command, prints the answer

The card: GET CHALLENGE (INS 84) returns Le random bytes + 9000; ECHO (CLA 80 INS EE) returns
its data + 9000 (short or extended); SELECT (INS A4) answers 9000 for the JPKI AP AID and 6A82
otherwise; any other INS gives 6D00.

The reader identity: with --serial and/or --firmware, HELLO_ACK carries them (TLVs 01 and 02 after
the 3 fixed bytes) to a handler whose HELLO announces feature bit 0 after its client name's NUL;
to any other client, HELLO_ACK stays 3 bytes (what an older handler insists on).

Control commands (one line on the control socket, answered with one line "ok ..." / "err ..."):
  present SLOT 0|1          insert / remove the card (CARD_EVENT to event connections)
  extended SLOT 0|1         the extended-length flag (CARD_EVENT)
  nopart10 SLOT 0|1         flag bit 3: the reader hides its part 10 features (CARD_EVENT)
  atr SLOT HEX              the ATR the card answers with (CARD_EVENT)
  mute SLOT 0|1             read TRANSMIT requests but never answer them
  delay SLOT MS             answer every TRANSMIT after MS milliseconds
  die-next SLOT             exit the process when the next TRANSMIT arrives (mid-APDU)
  malformed SLOT KIND       answer the next TRANSMIT with a broken frame:
                            oversize (length 0x7FFFFFFF) | huge (65553-byte payload) |
                            badtype (type 42) | wrongslot | short (1-byte RESPONSE) | atr (ATR frame)
  event-malformed SLOT KIND send a broken frame now on the slot's event connections:
                            oversize | badtype | longstate (CARD_EVENT with a 40-byte ATR)
  identity HEX              the identity TLVs of later HELLO_ACKs, raw ("-" for none); for tests
                            of malformed ones
  stats                     JSON counters (frames received by type, HELLOs, connections, HELLOs
                            that asked for the identity: hello_identity)
  quit                      exit
"""
import json
import os
import random
import socket
import struct
import sys
import threading

HDR = struct.Struct(">BBI")
MAX_PAYLOAD = 65552
JPKI_AID = bytes.fromhex("D392F000260100000001")

HELLO, POWER_ON, POWER_OFF, RESET, TRANSMIT, STATUS = 0x01, 0x02, 0x03, 0x04, 0x05, 0x06
HELLO_ACK, ATR, ACK, RESPONSE, STATUS_REPLY, CARD_EVENT, ERROR = 0x81, 0x82, 0x83, 0x85, 0x86, 0x90, 0xFF
REQUESTS = {POWER_ON, POWER_OFF, RESET, TRANSMIT, STATUS}
NAMES = {HELLO: "HELLO", POWER_ON: "POWER_ON", POWER_OFF: "POWER_OFF", RESET: "RESET",
         TRANSMIT: "TRANSMIT", STATUS: "STATUS"}


class BadFrame(Exception):
    pass


def frame(ftype, slot, payload=b""):
    return HDR.pack(ftype, slot, len(payload)) + payload


def recv_exact(sock, n):
    buf = bytearray()
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise EOFError
        buf += chunk
    return bytes(buf)


def parse_apdu(a):
    """(cla, ins, p1, p2, data, le) for ISO 7816-4 cases 1-4, short or extended; None if invalid."""
    if len(a) < 4:
        return None
    cla, ins, p1, p2 = a[:4]
    body = a[4:]
    if not body:
        return cla, ins, p1, p2, b"", 0
    if len(body) == 1:
        return cla, ins, p1, p2, b"", body[0] or 256
    if body[0] != 0:                        # short Lc
        lc = body[0]
        if len(body) == 1 + lc:
            return cla, ins, p1, p2, body[1:], 0
        if len(body) == 2 + lc:
            return cla, ins, p1, p2, body[1:1 + lc], body[-1] or 256
        return None
    if len(body) == 3:                      # extended case 2
        return cla, ins, p1, p2, b"", struct.unpack(">H", body[1:])[0] or 65536
    lc = struct.unpack(">H", body[1:3])[0]
    if lc == 0:
        return None
    if len(body) == 3 + lc:
        return cla, ins, p1, p2, body[3:], 0
    if len(body) == 5 + lc:
        return cla, ins, p1, p2, body[3:3 + lc], struct.unpack(">H", body[-2:])[0] or 65536
    return None


def card_answer(apdu):
    parsed = parse_apdu(apdu)
    if parsed is None:
        return b"\x67\x00"
    cla, ins, p1, p2, data, le = parsed
    if ins == 0x84:
        return os.urandom(min(le, 65536)) + b"\x90\x00"
    if cla == 0x80 and ins == 0xEE:
        return data + b"\x90\x00"
    if ins == 0xA4:
        return b"\x90\x00" if p1 == 0x04 and data == JPKI_AID else b"\x6a\x82"
    return b"\x6d\x00"


class Slot:
    def __init__(self, atr):
        self.present = True
        self.powered = False
        self.extended = False
        self.nopart10 = False
        self.atr = atr
        self.mute = False
        self.delay = 0.0
        self.die_next = False
        self.malformed = None
        self.events = []                    # Conn objects with role event

    def state(self):
        flags = (1 if self.present else 0) | (2 if self.powered and self.present else 0) | \
                (4 if self.extended else 0) | (8 if self.nopart10 else 0)
        return bytes([flags]) + (self.atr if self.present else b"")


class Conn:
    def __init__(self, sim, sock):
        self.sim, self.sock = sim, sock
        self.send_lock = threading.Lock()
        self.slot = None
        self.role = None

    def send(self, data):
        with self.send_lock:
            self.sock.sendall(data)         # one buffer: one send for the whole frame

    def recv_frame(self):
        ftype, slot, length = HDR.unpack(recv_exact(self.sock, HDR.size))
        if length > MAX_PAYLOAD:
            raise BadFrame("length %d" % length)
        return ftype, slot, recv_exact(self.sock, length)


def identity_tlvs(serial, firmware):
    out = b""
    if serial:
        out += bytes([0x01, len(serial)]) + serial.encode("ascii")
    if firmware:
        out += bytes([0x02, len(firmware)]) + firmware.encode("ascii")
    return out


def hello_features(payload):
    """The features byte after the client name's NUL terminator (0 when there is none)."""
    nul = payload.find(b"\x00", 3)
    return payload[nul + 1] if 0 <= nul < len(payload) - 1 else 0


class Sim:
    def __init__(self, nslots, atr, identity=b""):
        self.lock = threading.Lock()
        self.slots = [Slot(atr) for _ in range(nslots)]
        self.identity = identity
        self.stats = {"hello_command": 0, "hello_event": 0, "bad_frames": 0, "connections": 0,
                      "hello_identity": 0}
        for name in NAMES.values():
            self.stats[name] = 0

    def count(self, key):
        with self.lock:
            self.stats[key] = self.stats.get(key, 0) + 1

    # -- card events --------------------------------------------------------------------
    def broadcast(self, idx):
        """Send the slot's state to its event connections (caller holds self.lock)."""
        s = self.slots[idx]
        data = frame(CARD_EVENT, idx, s.state())
        for c in list(s.events):
            try:
                c.send(data)
            except OSError:
                s.events.remove(c)

    # -- connections --------------------------------------------------------------------
    def serve_conn(self, sock):
        conn = Conn(self, sock)
        self.count("connections")
        try:
            self.handshake(conn)
            if conn.role == 1:
                # the handler sends nothing after HELLO: anything (or EOF) ends it
                conn.recv_frame()
                self.count("bad_frames")
            else:
                while True:
                    self.request(conn, *conn.recv_frame())
        except BadFrame:
            self.count("bad_frames")
        except (EOFError, OSError):
            pass
        finally:
            with self.lock:
                for s in self.slots:
                    if conn in s.events:
                        s.events.remove(conn)
            sock.close()

    def handshake(self, conn):
        ftype, slot, p = conn.recv_frame()
        if ftype != HELLO or len(p) < 3:
            raise BadFrame("expected HELLO")
        version, role = struct.unpack(">HB", p[:3])
        if version != 1:
            conn.send(frame(ERROR, slot, struct.pack(">H", 4) + b"unsupported version"))
            raise EOFError
        if slot >= len(self.slots):
            conn.send(frame(ERROR, slot, struct.pack(">H", 3) + b"no such slot"))
            raise EOFError
        if role not in (0, 1):
            conn.send(frame(ERROR, slot, struct.pack(">H", 5) + b"bad role"))
            raise EOFError
        conn.slot, conn.role = slot, role
        self.count("hello_event" if role else "hello_command")
        asks = hello_features(p) & 0x01
        if asks:
            self.count("hello_identity")
        with self.lock:
            ack = struct.pack(">HB", 1, len(self.slots)) + (self.identity if asks else b"")
            conn.send(frame(HELLO_ACK, slot, ack))
            if role == 1:
                conn.send(frame(CARD_EVENT, slot, self.slots[slot].state()))
                self.slots[slot].events.append(conn)

    def request(self, conn, ftype, slot, p):
        if slot != conn.slot or ftype not in REQUESTS:
            raise BadFrame("type %02x slot %d" % (ftype, slot))
        self.count(NAMES[ftype])
        idx = slot
        with self.lock:
            s = self.slots[idx]
            if ftype == STATUS:
                reply = frame(STATUS_REPLY, idx, s.state())
            elif not s.present and ftype != POWER_OFF:
                reply = frame(ERROR, idx, struct.pack(">H", 1) + b"no card in the slot")
            elif ftype in (POWER_ON, RESET):
                s.powered = True
                reply = frame(ATR, idx, s.atr)
                self.broadcast(idx)
            elif ftype == POWER_OFF:
                s.powered = False
                reply = frame(ACK, idx)
                self.broadcast(idx)
            elif not s.powered:
                reply = frame(ERROR, idx, struct.pack(">H", 2) + b"card not powered")
            else:
                reply = None
            die, mute, delay, bad = s.die_next, s.mute, s.delay, s.malformed
            if ftype == TRANSMIT:
                s.malformed = None
        if reply is not None:
            conn.send(reply)
            return
        # TRANSMIT to a powered card
        if die:
            os._exit(3)                     # mid-APDU: the request was read, no answer
        if mute:
            return
        if bad:
            conn.send(malformed_reply(bad, idx))
            return
        if delay:
            threading.Event().wait(delay)
        conn.send(frame(RESPONSE, idx, card_answer(p)))

    # -- control ------------------------------------------------------------------------
    def control(self, words):
        cmd, args = words[0], words[1:]
        if cmd == "stats":
            with self.lock:
                return "ok " + json.dumps(self.stats)
        if cmd == "quit":
            os._exit(0)
        if cmd == "identity":
            with self.lock:
                self.identity = b"" if args[0] == "-" else bytes.fromhex(args[0])
            return "ok"
        idx = int(args[0])
        with self.lock:
            s = self.slots[idx]
            if cmd == "present":
                s.present = args[1] == "1"
                if not s.present:
                    s.powered = False
                self.broadcast(idx)
            elif cmd == "extended":
                s.extended = args[1] == "1"
                self.broadcast(idx)
            elif cmd == "nopart10":
                s.nopart10 = args[1] == "1"
                self.broadcast(idx)
            elif cmd == "atr":
                s.atr = bytes.fromhex(args[1])
                self.broadcast(idx)
            elif cmd == "mute":
                s.mute = args[1] == "1"
            elif cmd == "delay":
                s.delay = int(args[1]) / 1000.0
            elif cmd == "die-next":
                s.die_next = True
            elif cmd == "malformed":
                s.malformed = args[1]
            elif cmd == "event-malformed":
                data = malformed_event(args[1], idx)
                for c in list(s.events):
                    c.send(data)
            else:
                return "err unknown command"
        return "ok"


def malformed_reply(kind, idx):
    if kind == "oversize":
        return HDR.pack(RESPONSE, idx, 0x7FFFFFFF) + b"\x90\x00"
    if kind == "huge":
        return frame(RESPONSE, idx, b"\x00" * (MAX_PAYLOAD + 1))
    if kind == "badtype":
        return frame(0x42, idx, b"\x90\x00")
    if kind == "wrongslot":
        return frame(RESPONSE, (idx + 1) & 0xFF, b"\x90\x00")
    if kind == "short":
        return frame(RESPONSE, idx, b"\x90")
    if kind == "atr":
        return frame(ATR, idx, b"\x3b\x00")
    raise ValueError(kind)


def malformed_event(kind, idx):
    if kind == "oversize":
        return HDR.pack(CARD_EVENT, idx, 0xFFFFFFF0)
    if kind == "badtype":
        return frame(RESPONSE, idx, b"\x90\x00")
    if kind == "longstate":
        return frame(CARD_EVENT, idx, b"\x01" + b"\x3b" * 40)
    raise ValueError(kind)


def listen(args):
    if args.get("tcp"):
        host, port = args["tcp"].rsplit(":", 1)
        s = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((host.strip("[]"), int(port)))
        return s, "tcp:%s:%d" % (host, s.getsockname()[1])
    path = args["socket"]
    if os.path.exists(path):
        os.unlink(path)
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    old = os.umask(0o177)                   # 0600, as the real simulator
    try:
        s.bind(path)
    finally:
        os.umask(old)
    return s, path


def accept_loop(lsock, handler, nodelay):
    while True:
        c, _ = lsock.accept()
        if nodelay:
            c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        threading.Thread(target=handler, args=(c,), daemon=True).start()


def control_conn(sim, c):
    with c, c.makefile("rwb") as f:
        for line in f:
            words = line.decode().split()
            if not words:
                continue
            try:
                answer = sim.control(words)
            except (IndexError, ValueError, KeyError) as e:
                answer = "err %s" % e
            f.write((answer + "\n").encode())
            f.flush()


def serve(argv):
    args, i = {"slots": "2", "atr": "3BE000FF8131FE4514"}, 0
    while i < len(argv):
        key = argv[i].lstrip("-")
        args[key] = argv[i + 1]
        i += 2
    sim = Sim(int(args["slots"]), bytes.fromhex(args["atr"]),
              identity_tlvs(args.get("serial", ""), args.get("firmware", "")))
    for idx in filter(None, args.get("absent", "").split(",")):
        sim.slots[int(idx)].present = False
    for idx in filter(None, args.get("extended", "").split(",")):
        sim.slots[int(idx)].extended = True

    ctl_path = args["control"]
    if os.path.exists(ctl_path):
        os.unlink(ctl_path)
    ctl = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    ctl.bind(ctl_path)
    ctl.listen(8)
    threading.Thread(target=accept_loop, args=(ctl, lambda c: control_conn(sim, c), False),
                     daemon=True).start()

    lsock, where = listen(args)
    lsock.listen(16)
    if "ready" in args:
        with open(args["ready"] + ".tmp", "w") as f:
            f.write(where + "\n")
        os.rename(args["ready"] + ".tmp", args["ready"])
    try:
        accept_loop(lsock, sim.serve_conn, "tcp" in args)
    except KeyboardInterrupt:
        pass


def ctl(argv):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(10)
    s.connect(argv[0])
    s.sendall((" ".join(argv[1:]) + "\n").encode())
    answer = s.makefile("rb").readline().decode().strip()
    print(answer)
    return 0 if answer.startswith("ok") else 1


if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] not in ("serve", "ctl"):
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    sys.exit(serve(sys.argv[2:]) if sys.argv[1] == "serve" else ctl(sys.argv[2:]))
