#!/usr/bin/env python3
"""Writes the seed corpora of the Swift fuzz targets into fuzz/corpus/<target>/.

The seeds are small and real: the shipped scripts, personas, profiles and scenarios as they are;
the APDU sequences of the conformance suites in the card target's input format; traces recorded
from the simulator; wire, vpcd and T=1 sessions as the IFD handler, vpcd and the CCID driver send
them. Files named regress-* (inputs that once found a bug) are kept; every other file of a
target's directory is rewritten.

    fuzz/tools/swift_seeds.py                 # needs .build/debug/mynasim (swift build) and the
                                              # fuzz build (fuzz/run.sh build) for control-request
"""

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
CORPUS = os.path.join(ROOT, "fuzz", "corpus")
MYNASIM = os.environ.get("MYNASIM", os.path.join(ROOT, ".build", "debug", "mynasim"))
FUZZ_BIN = os.environ.get("FUZZ_BIN", os.path.join(ROOT, ".build-fuzz", "release"))


def target_dir(name):
    path = os.path.join(CORPUS, name)
    os.makedirs(path, exist_ok=True)
    for entry in os.listdir(path):
        if not entry.startswith("regress-"):
            os.remove(os.path.join(path, entry))
    return path


def write(target, name, data):
    with open(os.path.join(target, name), "wb") as f:
        f.write(data)


def copy_files(target, files):
    path = target_dir(target)
    for source in files:
        name = os.path.basename(source) if target != "persona" else os.path.basename(os.path.dirname(source)) + ".yaml"
        shutil.copyfile(source, os.path.join(path, name))


def credentials():
    """yamada-taro's credentials, by the variable names the suites use."""
    text = open(os.path.join(ROOT, "vectors/personas/yamada-taro/persona.yaml"), encoding="utf-8").read()
    found = dict(re.findall(r"^\s+(authPIN|signPassword|textPIN|residentPIN):\s*['\"]?([^'\"\n]+)", text, re.M))
    return found


def suite_apdus(path, values):
    """The commands of each case of a suite file, variables of the persona filled in."""
    cases, current = [], []
    for line in open(path, encoding="utf-8"):
        line = line.split(" #")[0].strip()
        if line.startswith("case "):
            current = []
        elif line == "end":
            if current:
                cases.append(current)
            current = []
        elif line and (line[0] in "0123456789ABCDEFabcdef"):
            command = line.split("=>")[0].strip()
            for name, value in values.items():
                command = command.replace("$" + name, value.encode().hex())
            command = command.replace(" ", "")
            if re.fullmatch(r"([0-9A-Fa-f]{2})+", command):
                current.append(bytes.fromhex(command))
    return cases


def card_seeds():
    """One seed per suite file: its cases' commands as raw APDUs (op 10), a power-on (op 00) between
    cases, on yamada-taro (first byte 0); at most 150 ops a seed."""
    path = target_dir("card")
    values = {"AUTH_PIN": "", "SIGN_PASSWORD": "", "TEXT_PIN": "", "RESIDENT_PIN": ""}
    creds = credentials()
    values.update({
        "AUTH_PIN": creds.get("authPIN", "1234"), "SIGN_PASSWORD": creds.get("signPassword", "ABC123"),
        "TEXT_PIN": creds.get("textPIN", "1234"), "RESIDENT_PIN": creds.get("residentPIN", "1234"),
    })
    suites = os.path.join(ROOT, "vectors", "suites")
    for suite in sorted(os.listdir(suites)):
        for name in sorted(os.listdir(os.path.join(suites, suite))):
            if not name.endswith(".apdu"):
                continue
            ops, count, part = bytearray([0]), 0, 0
            for case in suite_apdus(os.path.join(suites, suite, name), values):
                for apdu in case:
                    if len(apdu) > 255:
                        continue
                    ops += bytes([0x10, len(apdu)]) + apdu
                    count += 1
                ops += b"\x00"
                count += 1
                if count > 140:
                    write(path, f"{suite}-{name[:-5]}-{part}", bytes(ops))
                    ops, count, part = bytearray([0]), 0, part + 1
            if count:
                write(path, f"{suite}-{name[:-5]}-{part}", bytes(ops))
    # The face-authentication and short-only cards: a JPKI session each.
    session = [bytes.fromhex(h) for h in ["00A4040C0AD392F000260100000001", "00A4020C020018", "00200080",
                                          "0020008004" + b"1234".hex(), "00B00000000000"]]
    for persona in (1, 2):
        write(path, f"persona-{persona}", bytes([persona]) + b"".join(bytes([0x10, len(a)]) + a for a in session))


def lrc(data):
    value = 0
    for byte in data:
        value ^= byte
    return value


def block(pcb, inf=b""):
    body = bytes([0, pcb, len(inf)]) + inf
    return body + bytes([lrc(body)])


def t1_seeds():
    """T=1 sessions as the CCID driver runs them on the jpki ATR (choice byte 0): PPS, S(IFS
    request 254), I-blocks with the host's APDUs (a 0x02 after each: the card answers at once),
    an R-block asking for the next chained block, S(RESYNCH)."""
    path = target_dir("t1")

    def raw(data):
        return bytes([0x08, len(data)]) + data

    select = bytes.fromhex("00A4040C0AD392F000260100000001")
    read = bytes.fromhex("00B0000000")
    session = (bytes([0]) + bytes([0x09, 2, 0x01, 0xFE]) + raw(block(0xC1, b"\xFE")) + raw(block(0x00, select)) + b"\x02"
               + raw(block(0x40, bytes.fromhex("00A4020C02000A"))) + b"\x02" + raw(block(0x00, read)) + b"\x02"
               + raw(block(0x90)))
    write(path, "jpki-session", session)
    chained = bytes([0]) + raw(block(0x20, select[:8])) + raw(block(0x40, select[8:])) + b"\x02" + raw(block(0xC0))
    write(path, "chained-command-resynch", chained)
    wtx = bytes([0]) + raw(block(0x00, bytes.fromhex("0084000008"))) + b"\x00\x05" + raw(block(0xE3, b"\x05"))
    write(path, "wtx", wtx)
    # T=0 (jpki-04 offers T=0 and T=1 in specific mode; a raw ATR with T=0 only), with GET RESPONSE.
    # kind 0A: a TPDU from the list (index), extra bytes (none), NULL procedure bytes (none).
    t0 = bytes([7, 2, 0x3B, 0x00]) + b"".join(bytes([0x0A, index, 0, 0]) for index in (0, 1, 2, 6))
    write(path, "t0-select-get-response", t0)


def vpcd_seeds():
    """vpcd sessions: power on, get the ATR, APDUs, power off; cut into reads of 255 bytes, and
    into single bytes."""
    path = target_dir("vpcd")

    def control(byte):
        # kind 00, a byte for the fifth (random) choice, then the index of 00 01 02 04
        return bytes([0x00, 0x00, {0x00: 0, 0x01: 1, 0x02: 2, 0x04: 3}[byte]])

    def apdu(hexdata):
        data = bytes.fromhex(hexdata)
        return bytes([0x04, len(data)]) + data

    frames = [control(0x01), control(0x04), apdu("00A4040C0AD392F000260100000001"), apdu("00A4020C02000A"),
              apdu("00B0000004"), apdu("00200080"), control(0x02), control(0x04), control(0x00)]
    stream = bytes([len(frames)]) + b"".join(frames)
    write(path, "session-whole-reads", stream + b"\xFF" * 8)
    write(path, "session-byte-reads", stream + b"\x01" * 80)


def simulator_wire_seeds():
    """Connections as the IFD handler opens them (HELLO version 1, role, slot 0), with power on,
    TRANSMIT of real APDUs, STATUS and power off; an event connection; a control connection."""
    path = target_dir("simulator-wire")
    command = bytes([0x00, 0x01, 7, 0x00, 0x03, 0, 0x03, 1, 0x04, 2, 0x06, 0x01, 0x03, 5, 0x01])
    write(path, "command-session", command)
    events = bytes([0x01, 0x01, 0])
    write(path, "event-then-command", events + command)
    control = bytes([0x02, 0x01, 2, 0x01, 0x00])
    write(path, "control-status", control)
    wrong = bytes([0x00, 0x00, 0x00, 0x02, 1, 0x08, 0x05, 0xFF, 0xFF, 0xFF, 0xFF, 0])
    write(path, "bad-version-and-oversize", wrong)


def control_request_seeds():
    path = target_dir("control-request")
    binary = os.path.join(FUZZ_BIN, "fuzz-control-request")
    if not os.path.exists(binary):
        sys.exit(f"swift_seeds: {binary} is missing; run `fuzz/run.sh build` first")
    env = dict(os.environ, FUZZ_WRITE_SEEDS=path, SWIFT_BACKTRACE="enable=no")
    subprocess.run([binary], env=env, check=True, stdout=subprocess.DEVNULL)


def trace_seeds():
    """Traces recorded in-process (`mynasim record`) from the suites' first cases."""
    path = target_dir("trace")
    if not os.path.exists(MYNASIM):
        sys.exit(f"swift_seeds: {MYNASIM} is missing; run `swift build` first")
    with tempfile.TemporaryDirectory() as tmp:
        card = os.path.join(tmp, "yamada-taro")
        shutil.copytree(os.path.join(ROOT, "vectors/personas/yamada-taro"), card)
        for leftover in ("state.json", ".card.lock"):
            if os.path.exists(os.path.join(card, leftover)):
                os.remove(os.path.join(card, leftover))
        for script, name in [("vectors/suites/jpki/03-verify.apdu", "record-verify"),
                             ("vectors/suites/kenmen/01-text.apdu", "record-text-ap")]:
            out = os.path.join(tmp, name)
            subprocess.run([MYNASIM, "record", "--card", card, "--out", out, "--report-dir", tmp, os.path.join(ROOT, script)],
                           check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            lines = open(out, encoding="utf-8").read().splitlines()[:40]
            write(path, name + ".jsonl", ("\n".join(lines) + "\n").encode())
    sample = [
        {"time": "2026-01-01T00:00:00.000000Z", "slot": 0, "event": "insert", "card": "yamada-taro"},
        {"time": "2026-01-01T00:00:00.100000Z", "slot": 0, "event": "powerOn", "atr": "3BE000FF8131FE4514"},
        {"time": "2026-01-01T00:00:00.200000Z", "slot": 0, "event": "transmit", "command": "00A4040C0AD392F000260100000001",
         "response": "9000", "durationMicros": 4000},
        {"time": "2026-01-01T00:00:00.300000Z", "slot": 1, "event": "block", "level": "tpdu", "command": "000000",
         "response": "00810081", "note": "I(0) → R(1)"},
        {"time": "2026-01-01T00:00:00.400000Z", "slot": 0, "event": "interrupted", "command": "802A00800100"},
        {"time": "2026-01-01T00:00:00.500000Z", "slot": 0, "event": "remove"},
    ]
    write(path, "simulator-events.jsonl", ("\n".join(json.dumps(e) for e in sample) + "\n").encode())


def qualification_seeds():
    path = target_dir("qualification")
    bodies = {
        "terminal-registration": {"name": "reception-1", "password": "correct horse"},
        "login": {"terminalId": 1, "password": "correct horse"},
        "qualification-pin": {"certificate": "MIIB", "method": "pin", "challenge": "AAEC", "signature": "AAEC"},
        "qualification-visual": {"certificate": "MIIB", "method": "visual"},
        "response": {"checkId": 7, "result": "qualified", "message": "ok", "method": "pin", "checkedAt": "2026-01-01T00:00:00Z",
                     "person": {"name": "山田 太郎", "kana": "ヤマダ タロウ", "birthDate": "1980-02-17", "sex": "1"},
                     "qualification": {"insurerNumber": "06130017", "insurerName": "協会けんぽ", "symbol": "1",
                                       "number": "2", "branch": "00", "relationship": "本人", "copayRatio": 30,
                                       "validFrom": "2020-04-01", "validTo": None, "limitCategory": None}},
    }
    for name, body in bodies.items():
        write(path, name + ".json", json.dumps(body, ensure_ascii=False).encode())


def main():
    vectors = os.path.join(ROOT, "vectors")
    scripts = [os.path.join(dp, f) for dp, _, fs in os.walk(os.path.join(vectors, "suites")) for f in fs if f.endswith(".apdu")]
    scripts += [os.path.join(vectors, "scriptor", f) for f in os.listdir(os.path.join(vectors, "scriptor"))]
    copy_files("script", sorted(scripts))
    personas = os.path.join(vectors, "personas")
    copy_files("persona", sorted(os.path.join(personas, p, "persona.yaml") for p in os.listdir(personas)
                                 if os.path.exists(os.path.join(personas, p, "persona.yaml"))))
    profiles = os.path.join(vectors, "client-profiles")
    copy_files("profile", sorted(os.path.join(profiles, f) for f in os.listdir(profiles)))
    scenarios = os.path.join(vectors, "client-scenarios")
    copy_files("scenario", sorted(os.path.join(scenarios, f) for f in os.listdir(scenarios)))
    card_seeds()
    t1_seeds()
    vpcd_seeds()
    simulator_wire_seeds()
    control_request_seeds()
    trace_seeds()
    qualification_seeds()
    for target in sorted(os.listdir(CORPUS)):
        directory = os.path.join(CORPUS, target)
        files = os.listdir(directory)
        size = sum(os.path.getsize(os.path.join(directory, f)) for f in files)
        print(f"{target:16} {len(files):3} seeds {size:7} bytes")


if __name__ == "__main__":
    main()
