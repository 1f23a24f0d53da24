#!/usr/bin/python3
"""Crash-consistency torture: SIGKILL `mynasim serve` at random moments while a client hammers
the JPKI AP's credentials, and check after every kill and restart that the card kept its promise
("a decrement the client saw is never lost", card reference §decision-verify):

* a 63Cx the client received is never undone, and a counter never exceeds what the client's
  successful VERIFYs (and acknowledged restores) allow: every answer must be explained by a state
  the client's own history allows (model.py keeps that set of states);
* state.json always parses, and holds one of those states;
* no temporary file is left once the simulator has started again.

The client talks the wire protocol directly (wire.py), with wrong and right VERIFYs, CHANGE
REFERENCE DATA, the control `restore` and `mynasim card restore`. Standard library only.

  crash_torture.py --mynasim .build/debug/mynasim --persona vectors/personas/yamada-taro --kills 40
"""
import argparse
import os
import random
import re
import shutil
import signal
import string
import subprocess
import sys
import tempfile
import threading
import time

from model import STATE_FILE, Command, Credential, DurableModel, model_self_test
from wire import CardLink, ControlLink, Lost, Refused

JPKI_AID = bytes.fromhex("D392F000260100000001")
TEMPORARY_FILE = STATE_FILE + ".tmp"
SW_NOT_POWERED = 2


class Violation(Exception):
    """An answer or a file that no state of the client's history explains."""


def persona_credentials(directory):
    """The JPKI credentials of a persona, with the values persona.yaml issued."""
    with open(os.path.join(directory, "persona.yaml"), encoding="utf-8") as handle:
        text = handle.read()

    def value(key):
        match = re.search(r"^\s*%s:\s*'?([^'\n]+)'?\s*$" % key, text, re.MULTILINE)
        if not match:
            raise SystemExit("%s/persona.yaml: no credentials.%s" % (directory, key))
        return match.group(1).strip()

    return [Credential("jpki.auth-pin", 0x0018, 3, value("authPIN")), Credential("jpki.sign-password", 0x001B, 5, value("signPassword"))]


class Simulator:
    """`mynasim serve` with one slot holding the card, started and killed by PID."""

    def __init__(self, binary, work, card, log):
        self.binary = binary
        self.socket = os.path.join(work, "sim.sock")
        self.ready = os.path.join(work, "ready")
        self.card = card
        self.log = log
        self.process = None

    def start(self):
        if os.path.exists(self.ready):
            os.unlink(self.ready)
        arguments = [self.binary, "serve", "--socket", self.socket, "--slots", "1", "--card", "0=" + self.card,
                     "--ready-file", self.ready, "--profile", "instant"]
        self.process = subprocess.Popen(arguments, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while not os.path.exists(self.ready):
            if self.process.poll() is not None:
                raise SystemExit("mynasim serve exited with status %d at start (see its log)" % self.process.returncode)
            if time.monotonic() > deadline:
                raise SystemExit("mynasim serve did not start within 30 s")
            time.sleep(0.002)

    def kill(self):
        if self.process and self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
        if self.process:
            self.process.wait()


class Client:
    """One session against the card until the simulator dies under it."""

    def __init__(self, model, credentials, rng, simulator, killed, counts):
        self.model = model
        self.credentials = credentials
        self.rng = rng
        self.simulator = simulator
        self.killed = killed
        self.counts = counts
        self.link = None
        self.selected = None
        self.verified = {c.id: False for c in credentials}

    def count(self, key):
        self.counts[key] = self.counts.get(key, 0) + 1

    def connect(self):
        self.link = CardLink(self.simulator.socket)
        self.power_on()

    def power_on(self):
        self.link.power_on()
        self.selected = None
        self.verified = {c.id: False for c in self.credentials}
        data, sw = self.link.transmit(b"\x00\xA4\x04\x0C" + bytes([len(JPKI_AID)]) + JPKI_AID)
        if sw != 0x9000:
            raise Violation("SELECT of the JPKI AP answered %04X" % sw)

    def select(self, credential):
        if self.selected == credential.file:
            return
        data, sw = self.link.transmit(b"\x00\xA4\x02\x0C\x02" + credential.file.to_bytes(2, "big"))
        if sw != 0x9000:
            raise Violation("SELECT EF %04X answered %04X" % (credential.file, sw))
        self.selected = credential.file

    def send(self, credential, command, apdu):
        """Transmits a command the model knows; an answer narrows the model, a lost one widens it."""
        self.select(credential)
        try:
            data, sw = self.link.transmit(apdu)
        except Lost:
            self.model.lost(command)
            self.count("lost " + command.kind)
            raise
        except Refused as refused:
            raise Violation("%s %s: the simulator refused it: %s" % (command.kind, credential.id, refused)) from None
        before = [self.model.describe(s) for s in sorted(self.model.possible, key=sorted)]
        if not self.model.answered(command, sw, self.verified[credential.id]):
            raise Violation("%s %s answered %04X, which no state the client's history allows explains; possible states:\n    %s"
                            % (command.kind, credential.id, sw, "\n    ".join(before)))
        self.count(command.kind)
        if command.kind == "verify":
            if sw == 0x9000:
                self.verified[credential.id] = True
            elif sw & 0xFFF0 == 0x63C0:
                self.verified[credential.id] = False
        return sw

    def verify(self, credential, value):
        command = Command("verify", credential.id, value)
        return self.send(credential, command, b"\x00\x20\x00\x80" + bytes([len(value)]) + value.encode())

    def query(self, credential):
        return self.send(credential, Command("query", credential.id), b"\x00\x20\x00\x80")

    def change(self, credential, value):
        command = Command("change", credential.id, value)
        return self.send(credential, command, b"\x00\x24\x01\x80" + bytes([len(value)]) + value.encode())

    def restore(self, via_cli):
        command = Command("restore")
        try:
            if via_cli:
                result = subprocess.run([self.simulator.binary, "card", "restore", "--slot", "0", "--socket", self.simulator.socket],
                                        capture_output=True, text=True, timeout=30)
                if result.returncode != 0:
                    raise Lost(result.stderr.strip())
            else:
                link = ControlLink(self.simulator.socket)
                try:
                    reply = link.restore()
                finally:
                    link.close()
                if not reply.get("ok"):
                    raise Violation("restore refused: %s" % reply.get("error"))
        except Lost:
            self.model.lost(command)
            self.count("lost restore")
            raise
        self.model.answered(command, None)
        self.count("restore (mynasim card restore)" if via_cli else "restore (control)")
        self.power_on()  # a restore powers the card off

    def wrong_value(self, credential):
        taken = set(self.model.candidates(credential.id))
        while True:
            value = "".join(self.rng.choice(string.digits) for _ in range(4)) if credential.file == 0x0018 else \
                "WRONG%d" % self.rng.randrange(100)
            if value not in taken:
                return value

    def new_value(self, credential):
        if credential.file == 0x0018:
            return "".join(self.rng.choice(string.digits) for _ in range(4))
        letters = self.rng.choice(string.ascii_uppercase) + self.rng.choice(string.digits)
        rest = "".join(self.rng.choice(string.ascii_uppercase + string.digits) for _ in range(self.rng.randrange(4, 9)))
        return letters + rest

    def run(self, use_cli):
        """Hammers the card until the connection is lost (the kill); returns normally never."""
        self.connect()
        for credential in self.credentials:  # the restarted card must agree with what the client may believe
            self.query(credential)
        while True:
            credential = self.rng.choice(self.credentials)
            if max(self.model.tries(credential.id)) == 0:
                self.restore(use_cli and self.rng.random() < 0.2)
                continue
            roll = self.rng.random()
            if roll < 0.40:
                self.verify(credential, self.wrong_value(credential))
            elif roll < 0.68:
                self.verify(credential, self.rng.choice(self.model.candidates(credential.id)))
            elif roll < 0.82:
                if not self.verified[credential.id]:
                    if self.verify(credential, self.rng.choice(self.model.candidates(credential.id))) != 0x9000:
                        continue
                self.change(credential, self.new_value(credential))
            elif roll < 0.95:
                self.query(credential)
            else:
                self.restore(use_cli and self.rng.random() < 0.25)


def check_file_after_kill(model, card):
    """state.json parses and holds a state the client's history allows; the model then knows it."""
    path = os.path.join(card, STATE_FILE)
    try:
        state = model.state_from_file(path)
    except (ValueError, KeyError, TypeError) as error:
        raise Violation("%s does not parse: %s" % (path, error)) from None
    if state not in model.possible:
        raise Violation("%s holds %s, which no state the client's history allows:\n    %s"
                        % (path, model.describe(state), "\n    ".join(model.describe(s) for s in model.possible)))
    model.possible = {state}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mynasim", required=True, help="the mynasim binary")
    parser.add_argument("--persona", required=True, help="a persona directory (copied; the original is not touched)")
    parser.add_argument("--kills", type=int, default=40, help="how many times to SIGKILL the simulator")
    parser.add_argument("--seed", type=int, default=None, help="random seed (printed; default: from the clock)")
    parser.add_argument("--max-delay-ms", type=float, default=40.0, help="the kill comes 0…this many ms after the simulator is ready")
    parser.add_argument("--no-cli", action="store_true", help="restore through the control protocol only")
    parser.add_argument("--keep", action="store_true", help="keep the work directory")
    args = parser.parse_args()

    model_self_test()
    seed = args.seed if args.seed is not None else int(time.time() * 1000) % 1_000_000
    rng = random.Random(seed)
    work = tempfile.mkdtemp(prefix="mynasim-torture.")
    card = os.path.join(work, "card")
    shutil.copytree(args.persona, card)
    for name in (STATE_FILE, TEMPORARY_FILE, ".card.lock"):
        if os.path.exists(os.path.join(card, name)):
            os.unlink(os.path.join(card, name))
    credentials = persona_credentials(card)
    model = DurableModel(credentials)
    log_path = os.path.join(work, "serve.log")
    counts = {}
    violations = []
    started = time.monotonic()
    restart_times = []
    inside_write = 0
    with open(log_path, "ab") as log:
        simulator = Simulator(args.mynasim, work, card, log)
        for round_number in range(1, args.kills + 1):
            t0 = time.monotonic()
            simulator.start()
            restart_times.append(time.monotonic() - t0)
            if os.path.exists(os.path.join(card, TEMPORARY_FILE)):  # recorded, and the round goes on
                violations.append("round %d: %s is still there after the restart" % (round_number, os.path.join(card, TEMPORARY_FILE)))
                print("VIOLATION " + violations[-1], flush=True)
            try:
                killed = threading.Event()

                delay = rng.uniform(0, args.max_delay_ms) / 1000

                def kill_later():
                    time.sleep(delay)
                    killed.set()
                    simulator.kill()

                killer = threading.Thread(target=kill_later)
                killer.start()
                client = Client(model, credentials, rng, simulator, killed, counts)
                try:
                    client.run(not args.no_cli)
                except Lost as lost:
                    killer.join()
                    if not killed.is_set():
                        raise Violation("the connection ended while the simulator was running: %s" % lost) from None
                except Violation:
                    killer.join()
                    raise
                finally:
                    if client.link:
                        client.link.close()
                killer.join()
                if os.path.exists(os.path.join(card, TEMPORARY_FILE)):
                    inside_write += 1
                check_file_after_kill(model, card)
            except Violation as violation:
                simulator.kill()
                violations.append("round %d: %s" % (round_number, violation))
                print("VIOLATION " + violations[-1], flush=True)
                try:  # carry on from what the file says, so one violation does not hide the next
                    model.possible = {model.state_from_file(os.path.join(card, STATE_FILE))}
                except (ValueError, KeyError, TypeError):
                    model.possible = {model.fresh()}
            if round_number % 100 == 0:
                print("  %d kills, %d violations, %.0f s" % (round_number, len(violations), time.monotonic() - started), flush=True)
        simulator.kill()

    elapsed = time.monotonic() - started
    answered = sum(v for k, v in counts.items() if not k.startswith("lost"))
    lost = {k[5:]: v for k, v in counts.items() if k.startswith("lost")}
    restart_times.sort()
    print("crash torture (seed %d): %d kills in %.1f s, %d violations" % (seed, args.kills, elapsed, len(violations)))
    print("  commands answered: %d (%s)" % (answered, ", ".join("%s %d" % (k, v) for k, v in sorted(counts.items())
                                                              if not k.startswith("lost"))))
    print("  commands in flight at the kill: %d (%s)" % (sum(lost.values()), ", ".join("%s %d" % kv for kv in sorted(lost.items()))))
    print("  kills that left a half-written %s behind: %d" % (TEMPORARY_FILE, inside_write))
    print("  restart to ready: median %.0f ms, max %.0f ms" % (restart_times[len(restart_times) // 2] * 1000, restart_times[-1] * 1000))
    if violations:
        print("serve log: %s" % log_path)
    elif not args.keep:
        shutil.rmtree(work)
    return 1 if violations else 0


if __name__ == "__main__":
    sys.exit(main())
