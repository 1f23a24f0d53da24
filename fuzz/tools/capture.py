#!/usr/bin/env python3
"""capture.py - record the wire protocol between the IFD handler and a simulator.

  capture.py --listen PROXY_SOCKET --to SIMULATOR_SOCKET --out DIR [--ready FILE]

Point the handler's DEVICENAME at PROXY_SOCKET. Every connection is relayed to SIMULATOR_SOCKET
unchanged and recorded as DIR/NNN.s2h (what the simulator sent) and DIR/NNN.h2s (what the handler
sent), NNN counting connections in the order they were accepted. mkseeds.py turns the recordings
into seed inputs for the fuzz targets. Python 3 standard library only; stop it with SIGTERM.
"""
import argparse
import os
import socket
import threading


def pump(src, dst, path):
    with open(path, "wb") as out:
        while True:
            try:
                data = src.recv(65536)
            except OSError:
                data = b""
            if not data:
                break
            out.write(data)
            out.flush()
            try:
                dst.sendall(data)
            except OSError:
                break
    for s in (src, dst):
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def relay(client, target, out_dir, number):
    sim = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sim.connect(target)
    except OSError:
        client.close()
        return
    base = os.path.join(out_dir, "%03d" % number)
    threads = [threading.Thread(target=pump, args=(sim, client, base + ".s2h"), daemon=True),
               threading.Thread(target=pump, args=(client, sim, base + ".h2s"), daemon=True)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    client.close()
    sim.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--listen", required=True)
    ap.add_argument("--to", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--ready")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    if os.path.exists(args.listen):
        os.unlink(args.listen)
    lsock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    lsock.bind(args.listen)
    lsock.listen(16)
    if args.ready:
        with open(args.ready, "w") as f:
            f.write("ready\n")
    number = 0
    while True:
        client, _ = lsock.accept()
        threading.Thread(target=relay, args=(client, args.to, args.out, number), daemon=True).start()
        number += 1


if __name__ == "__main__":
    main()
