#!/usr/bin/python3
"""Insert/remove detection latency: from the control request that inserts (removes) the card to
SCardGetStatusChange reporting PRESENT (EMPTY). Usage: bench_insert.py SIM_SOCKET PERSONA_DIR TRIALS
One untimed insertion and removal come first: the first insertion of a persona loads and checks it
(PersonaCache), every later one is the slot's state change."""
import json, socket, statistics, struct, sys, time
from smartcard.scard import (SCardEstablishContext, SCardListReaders, SCardGetStatusChange, SCARD_SCOPE_USER,
                             SCARD_STATE_UNAWARE, SCARD_STATE_PRESENT, SCARD_STATE_EMPTY)

sock_path, card, trials = sys.argv[1], sys.argv[2], int(sys.argv[3])

def control(request):
    s = socket.socket(socket.AF_UNIX)
    s.connect(sock_path)
    def send(t, payload): s.sendall(struct.pack(">BBI", t, 0, len(payload)) + payload)
    def recv():
        h = b""
        while len(h) < 6: h += s.recv(6 - len(h))
        t, _, n = struct.unpack(">BBI", h); p = b""
        while len(p) < n: p += s.recv(n - len(p))
        return t, p
    send(0x01, b"\x00\x01\x02bench")
    recv()
    return s, lambda: (send(0x40, json.dumps(request).encode()), recv())

hresult, ctx = SCardEstablishContext(SCARD_SCOPE_USER)
hresult, readers = SCardListReaders(ctx, [])
reader = [r for r in readers if "mynasim" in r][0]

def wait_for(flag, states):
    while True:
        hresult, states = SCardGetStatusChange(ctx, 5000, states)
        if states[0][1] & flag:
            return time.perf_counter(), states

hresult, states = SCardGetStatusChange(ctx, 0, [(reader, SCARD_STATE_UNAWARE)])
inserts, removes = [], []
for trial in range(trials + 1):
    s, go = control({"insert": {"slot": 0, "card": card}})
    t0 = time.perf_counter(); go()
    t1, states = wait_for(SCARD_STATE_PRESENT, [(reader, states[0][1])])
    inserts.append((t1 - t0) * 1000); s.close()
    s, go = control({"remove": {"slot": 0}})
    t2 = time.perf_counter(); go()
    t3, states = wait_for(SCARD_STATE_EMPTY, [(reader, states[0][1])])
    removes.append((t3 - t2) * 1000); s.close()
    if trial == 0:
        first = inserts.pop(), removes.pop()
def quantile(values, q): return values[min(len(values) - 1, int(len(values) * q))]
for name, values, untimed in (("insert", inserts, first[0]), ("remove", removes, first[1])):
    values.sort()
    print(f"  {name}: median {statistics.median(values):.2f} ms, p90 {quantile(values, 0.9):.2f} ms, p99 {quantile(values, 0.99):.2f} ms, "
          f"max {values[-1]:.2f} ms (the untimed first: {untimed:.2f} ms)")
