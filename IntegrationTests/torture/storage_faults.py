#!/usr/bin/python3
"""The card when its state cannot be saved: a full disk (a small tmpfs) and a read-only persona
directory (a read-only bind mount), each in a private mount namespace so nothing outside sees
them. Every state change must answer 6581 (memory failure), leave state.json and the counters
exactly as they were, leave no temporary file, and put one clear line in the simulator's log;
once the disk has room again the card works at once. Card reference §status-words (6581).

  storage_faults.py --mynasim .build/debug/mynasim --persona vectors/personas/yamada-taro

Runs itself again under `unshare --mount` (as root; otherwise with a user namespace). Prints
"N passed, M failed" and exits 1 on any failure.
"""
import argparse
import errno
import hashlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from wire import CardLink  # noqa: E402

JPKI_AID = bytes.fromhex("D392F000260100000001")
INSIDE = "MYNASIM_STORAGE_FAULTS_NAMESPACE"
results = {"passed": 0, "failed": 0}


def check(name, ok, detail=""):
    if ok:
        results["passed"] += 1
        print("  ok    " + name, flush=True)
    else:
        results["failed"] += 1
        print("  FAIL  " + name + ("\n        " + str(detail).replace("\n", "\n        ") if detail else ""), flush=True)


def tree_digest(directory):
    """Names, modes and contents of every file in `directory` (the lock file's mode included)."""
    digest = hashlib.sha256()
    for name in sorted(os.listdir(directory)):
        path = os.path.join(directory, name)
        digest.update(name.encode() + b"\0" + oct(os.stat(path).st_mode).encode() + b"\0")
        with open(path, "rb") as handle:
            digest.update(handle.read())
    return digest.hexdigest()


class Served:
    """`mynasim serve` with one card, a command connection to it, and its log."""

    def __init__(self, binary, work, card):
        self.log_path = os.path.join(work, "serve.log")
        self.socket = os.path.join(work, "sim.sock")
        ready = os.path.join(work, "ready")
        for path in (ready, self.log_path):
            if os.path.exists(path):
                os.unlink(path)
        self.log = open(self.log_path, "wb")
        self.process = subprocess.Popen(
            [binary, "serve", "--socket", self.socket, "--slots", "1", "--card", "0=" + card, "--ready-file", ready],
            stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while not os.path.exists(ready):
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("mynasim serve did not start:\n" + self.text())
            time.sleep(0.005)
        self.link = CardLink(self.socket)
        self.link.power_on()
        self.sw(b"\x00\xA4\x04\x0C\x0A" + JPKI_AID)

    def sw(self, apdu):
        return self.link.transmit(apdu)[1]

    def select(self, fid):
        return self.sw(b"\x00\xA4\x02\x0C\x02" + fid.to_bytes(2, "big"))

    def verify(self, value):
        return self.sw(b"\x00\x20\x00\x80" + bytes([len(value)]) + value.encode())

    def query(self):
        return self.sw(b"\x00\x20\x00\x80")

    def change(self, value):
        return self.sw(b"\x00\x24\x01\x80" + bytes([len(value)]) + value.encode())

    def text(self):
        self.log.flush()
        with open(self.log_path, encoding="utf-8", errors="replace") as handle:
            return handle.read()

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


def copy_persona(source, target):
    shutil.copytree(source, target)
    for name in ("state.json", "state.json.tmp", ".card.lock"):
        if os.path.exists(os.path.join(target, name)):
            os.unlink(os.path.join(target, name))


def fill(directory):
    """Writes until the filesystem says it is full; returns the filler's path."""
    path = os.path.join(directory, "filler")
    with open(path, "wb", buffering=0) as handle:
        for size in (65536, 4096, 512, 1):
            try:
                while True:
                    handle.write(b"\0" * size)
            except OSError as error:
                if error.errno != errno.ENOSPC:
                    raise
    return path


def full_disk(binary, persona, work):
    print("== a full disk (tmpfs of 1 MiB)")
    disk = os.path.join(work, "disk")
    os.mkdir(disk)
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m,mode=0700", "mynasim-full-disk", disk], check=True)
    card = os.path.join(disk, "card")
    copy_persona(persona, card)
    served = Served(binary, work, card)
    try:
        served.select(0x0018)
        check("with room on the disk a wrong PIN answers 63C2", served.verify("9999") == 0x63C2)
        filler = fill(disk)
        before = tree_digest(card)
        check("the disk is full", shutil.disk_usage(disk).free < 4096, shutil.disk_usage(disk))
        status = served.verify("9999")
        check("a wrong PIN on a full disk answers 6581", status == 0x6581, "%04X" % status)
        check("  and the counter did not move (63C2)", served.query() == 0x63C2)
        status = served.verify("1234")
        check("the right PIN, which must reset the counter, answers 6581 too", status == 0x6581, "%04X" % status)
        check("  and does not leave the PIN verified (CHANGE REFERENCE DATA answers 6982)", served.change("4321") == 0x6982)
        check("  and the counter is still 63C2", served.query() == 0x63C2)
        check("state.json and every other file of the persona are unchanged", tree_digest(card) == before)
        check("no temporary file is left", not os.path.exists(os.path.join(card, "state.json.tmp")))
        log = served.text()
        line = next((line for line in log.splitlines() if "6581" in line), "")
        check("the simulator logs one line per refusal naming the file and the reason",
              log.count("6581 (memory failure)") == 2 and os.path.join(card, "state.json") in line and "No space left on device" in line,
              log)
        os.unlink(filler)
        check("once there is room again a wrong PIN answers 63C1 at once", served.verify("9999") == 0x63C1)
        check("  and the right PIN answers 9000 and resets the counter", served.verify("1234") == 0x9000 and served.query() == 0x63C3)
    finally:
        served.stop()
        subprocess.run(["umount", disk], check=False)


def read_only(binary, persona, work, used_before):
    what = "used before (state.json and .card.lock exist)" if used_before else "never used (no lock file to open)"
    print("== a read-only persona directory, " + what)
    card = os.path.join(work, "ro-used" if used_before else "ro-fresh")
    copy_persona(persona, card)
    if used_before:  # one wrong PIN in-process: state.json with 2 tries, and the lock file
        subprocess.run([binary, "apdu", "--card", card, "00A4040C0AD392F000260100000001", "00A4020C020018", "002000800439393939"],
                       check=True, capture_output=True)
    expected_tries = 0x63C2 if used_before else 0x63C3
    subprocess.run(["mount", "--bind", card, card], check=True)
    subprocess.run(["mount", "-o", "remount,bind,ro", card], check=True)
    try:
        before = tree_digest(card)
        served = Served(binary, work, card)
        try:
            served.select(0x0018)
            check("the card is inserted and answers the retry query", served.query() == expected_tries)
            status = served.verify("9999")
            check("a wrong PIN answers 6581", status == 0x6581, "%04X" % status)
            check("  and the counter did not move", served.query() == expected_tries)
            if used_before:
                check("the right PIN (a counter reset to save) answers 6581", served.verify("1234") == 0x6581)
            else:
                check("the right PIN with every try left needs no save: 9000", served.verify("1234") == 0x9000)
                status = served.change("4321")
                check("CHANGE REFERENCE DATA answers 6581", status == 0x6581, "%04X" % status)
                check("  and the old PIN still works", served.verify("1234") == 0x9000)
            log = served.text()
            check("the simulator logs the refusal with the file and 'Read-only file system'",
                  "6581 (memory failure)" in log and "Read-only file system" in log and os.path.join(card, "state.json") in log, log)
        finally:
            served.stop()
        check("nothing in the directory changed", tree_digest(card) == before)
    finally:
        subprocess.run(["umount", card], check=False)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mynasim", required=True)
    parser.add_argument("--persona", required=True)
    args = parser.parse_args()
    binary, persona = os.path.abspath(args.mynasim), os.path.abspath(args.persona)
    if os.environ.get(INSIDE) != "1":
        isolate = ["unshare", "--mount", "--propagation", "private"] if os.geteuid() == 0 else \
            ["unshare", "--user", "--map-root-user", "--mount", "--propagation", "private"]
        environment = dict(os.environ, **{INSIDE: "1"})
        return subprocess.run(isolate + [sys.executable, os.path.abspath(__file__), "--mynasim", binary, "--persona", persona],
                              env=environment).returncode
    work = tempfile.mkdtemp(prefix="mynasim-storage.")
    try:
        full_disk(binary, persona, work)
        read_only(binary, persona, work, used_before=True)
        read_only(binary, persona, work, used_before=False)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print("\n%d passed, %d failed" % (results["passed"], results["failed"]))
    return 1 if results["failed"] else 0


if __name__ == "__main__":
    sys.exit(main())
