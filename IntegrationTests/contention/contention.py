#!/usr/bin/python3
"""Contention and load through pcscd: PC/SC clients (pyscard's low-level smartcard.scard) racing
for the virtual card behind a private pcscd, our IFD handler and `mynasim serve`.

  contention.py exclusive READER                 exclusive mode keeps a second client out, and lets it in after
  contention.py transactions READER [--rounds N] two processes, SCardBeginTransaction: no interleaving
  contention.py load --seconds S [--processes P] P processes over every reader for S seconds: zero errors
  contention.py killed-in-transaction READER     a client SIGKILLed inside a transaction frees the card
  contention.py removal READER --card DIR --mynasim M [--times N] [--delay-us D]
                                                 the card removed during a slow signature: the error at once
  contention.py apdus READER HEX...              one connection, the status word of each APDU

READER is an index into the sorted reader list. Each command prints its figures as one JSON line
(after "figures: ") and exits 0 when its checks hold, 1 otherwise, naming what failed.
"""
import argparse
import hashlib
import json
import multiprocessing
import os
import signal
import subprocess
import sys
import threading
import time

from smartcard import scard

SELECT_AP = bytes.fromhex("00A4040C0AD392F000260100000001")
SELECT_TOKEN_INFO = bytes.fromhex("00A4020C020006")   # EF 0006: label JPKIAPICCTOKEN2
SELECT_AUTH_CERT = bytes.fromhex("00A4020C02000A")    # EF 000A: DER certificate, 30 82 ..
SELECT_AUTH_PIN = bytes.fromhex("00A4020C020018")
SELECT_AUTH_KEY = bytes.fromhex("00A4020C020017")
READ_16 = bytes.fromhex("00B0000010")
QUERY = bytes.fromhex("00200080")
TOKEN_LABEL = b"JPKIAPICCTOKEN2 "
DIGEST_INFO_PREFIX = bytes.fromhex("3031300D060960864801650304020105000420")


class Failure(Exception):
    """A check that did not hold."""


def pcsc(result, what):
    """The values of a pyscard call, or Failure naming the call and the PC/SC error."""
    values = result if isinstance(result, (list, tuple)) else (result,)
    if values[0] != scard.SCARD_S_SUCCESS:
        raise Failure("%s: %s (0x%08X)" % (what, scard.SCardGetErrorMessage(values[0]), values[0] & 0xFFFFFFFF))
    return values[1:] if len(values) > 2 else (values[1] if len(values) == 2 else None)


def context():
    return pcsc(scard.SCardEstablishContext(scard.SCARD_SCOPE_USER), "SCardEstablishContext")


def readers(hcontext):
    return sorted(pcsc(scard.SCardListReaders(hcontext, []), "SCardListReaders"))


class Connection:
    """One SCardConnect to a reader, with transmit returning (data, status word)."""

    def __init__(self, reader_index, share=scard.SCARD_SHARE_SHARED, hcontext=None):
        self.hcontext = hcontext or context()
        self.reader = readers(self.hcontext)[reader_index]
        self.result, self.hcard, self.protocol = self.connect(share)
        if self.result != scard.SCARD_S_SUCCESS:
            raise Failure("SCardConnect %s: %s" % (self.reader, scard.SCardGetErrorMessage(self.result)))

    def connect(self, share):
        result = scard.SCardConnect(self.hcontext, self.reader, share, scard.SCARD_PROTOCOL_T0 | scard.SCARD_PROTOCOL_T1)
        return result if result[0] == scard.SCARD_S_SUCCESS else (result[0], None, None)

    def transmit(self, apdu):
        response = pcsc(scard.SCardTransmit(self.hcard, self.protocol, list(apdu)), "SCardTransmit %s" % apdu.hex().upper())
        return bytes(response[:-2]), response[-2] << 8 | response[-1]

    def expect(self, apdu, sw=0x9000):
        data, got = self.transmit(apdu)
        if got != sw:
            raise Failure("%s answered %04X, expected %04X" % (apdu.hex().upper(), got, sw))
        return data

    def begin(self):
        pcsc(scard.SCardBeginTransaction(self.hcard), "SCardBeginTransaction")

    def end(self):
        pcsc(scard.SCardEndTransaction(self.hcard, scard.SCARD_LEAVE_CARD), "SCardEndTransaction")

    def close(self):
        if self.hcard is not None:
            scard.SCardDisconnect(self.hcard, scard.SCARD_LEAVE_CARD)
            self.hcard = None


def report(figures, failures):
    print("figures: " + json.dumps(figures, sort_keys=True))
    for failure in failures:
        print("FAILED: " + failure)
    return 1 if failures else 0


# ---------------------------------------------------------------------------------------------
# exclusive mode


def exclusive(args):
    failures = []
    figures = {}
    first = Connection(args.reader, scard.SCARD_SHARE_EXCLUSIVE)
    second_context = context()
    started = time.monotonic()
    refused = scard.SCardConnect(second_context, first.reader, scard.SCARD_SHARE_SHARED, scard.SCARD_PROTOCOL_T0 | scard.SCARD_PROTOCOL_T1)
    figures["refusal_ms"] = round((time.monotonic() - started) * 1000, 1)
    if refused[0] != scard.SCARD_E_SHARING_VIOLATION:
        failures.append("a shared connect during another client's exclusive connection gave %s, not a sharing violation"
                        % scard.SCardGetErrorMessage(refused[0]))
    refused = scard.SCardConnect(second_context, first.reader, scard.SCARD_SHARE_EXCLUSIVE, scard.SCARD_PROTOCOL_T1)
    if refused[0] != scard.SCARD_E_SHARING_VIOLATION:
        failures.append("a second exclusive connect gave %s" % scard.SCardGetErrorMessage(refused[0]))
    first.expect(SELECT_AP)  # the exclusive holder keeps working
    first.close()
    second = Connection(args.reader, scard.SCARD_SHARE_SHARED, second_context)
    second.expect(SELECT_AP)
    third = scard.SCardConnect(context(), first.reader, scard.SCARD_SHARE_EXCLUSIVE, scard.SCARD_PROTOCOL_T1)
    if third[0] != scard.SCARD_E_SHARING_VIOLATION:
        failures.append("an exclusive connect while another client shares the card gave %s" % scard.SCardGetErrorMessage(third[0]))
    second.close()
    figures["checks"] = 4
    return report(figures, failures)


# ---------------------------------------------------------------------------------------------
# transactions


def transaction_worker(reader, rounds, which, use_transactions, out):
    """Reads its own EF inside each transaction (SELECT, a pause, READ): another client's SELECT in
    between would make the READ return the other EF."""
    select, expected = (SELECT_TOKEN_INFO, TOKEN_LABEL) if which == 0 else (SELECT_AUTH_CERT, b"\x30\x82")
    intervals, mismatches, errors = [], 0, []
    try:
        connection = Connection(reader)
        for _ in range(rounds):
            if use_transactions:
                connection.begin()
            began = time.monotonic()
            connection.expect(SELECT_AP)
            connection.expect(select)
            time.sleep(0.002)
            data, sw = connection.transmit(READ_16)
            if sw != 0x9000 or not data.startswith(expected):
                mismatches += 1
            intervals.append((began, time.monotonic()))
            if use_transactions:
                connection.end()
        connection.close()
    except Failure as failure:
        errors.append(str(failure))
    out.put((which, intervals, mismatches, errors))


def run_pair(reader, rounds, use_transactions):
    queue = multiprocessing.Queue()
    workers = [multiprocessing.Process(target=transaction_worker, args=(reader, rounds, which, use_transactions, queue))
               for which in (0, 1)]
    for worker in workers:
        worker.start()
    results = sorted(queue.get(timeout=300) for _ in workers)
    for worker in workers:
        worker.join()
    overlaps = sum(1 for a in results[0][1] for b in results[1][1] if a[0] < b[1] and b[0] < a[1])
    return {"rounds": sum(len(r[1]) for r in results), "overlaps": overlaps, "mismatches": sum(r[2] for r in results),
            "errors": [e for r in results for e in r[3]]}


def transactions(args):
    failures = []
    guarded = run_pair(args.reader, args.rounds, True)
    unguarded = run_pair(args.reader, args.rounds, False)
    figures = {"with_transactions": guarded, "without_transactions": unguarded}
    if guarded["errors"] or guarded["rounds"] != 2 * args.rounds:
        failures.append("with transactions: %d of %d rounds, errors %s" % (guarded["rounds"], 2 * args.rounds, guarded["errors"][:3]))
    if guarded["overlaps"] or guarded["mismatches"]:
        failures.append("with transactions the two clients interleaved: %d overlapping rounds, %d reads of the other EF"
                        % (guarded["overlaps"], guarded["mismatches"]))
    if unguarded["overlaps"] == 0:
        failures.append("without transactions the clients never overlapped, so this test proves nothing (machine too slow?)")
    return report(figures, failures)


# ---------------------------------------------------------------------------------------------
# load


def load_worker(index, reader_count, seconds, pause, out):
    reader = index % reader_count
    transactions_done, apdus, errors, latencies, waits = 0, 0, [], [], []
    connection = None
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if connection is None:
                connection = Connection(reader)
            started = time.monotonic()
            connection.begin()
            waits.append(time.monotonic() - started)
            connection.expect(SELECT_AP)
            connection.expect(SELECT_AUTH_CERT)
            header = connection.expect(READ_16)
            if header[:2] != b"\x30\x82":
                raise Failure("the certificate's header read %s" % header[:4].hex())
            connection.expect(SELECT_AUTH_PIN)
            connection.expect(QUERY, 0x63C3)
            connection.end()
            latencies.append(time.monotonic() - started)
            transactions_done += 1
            apdus += 5
            time.sleep(pause)
        except Failure as failure:
            errors.append("process %d (reader %d): %s" % (index, reader, failure))
            if connection is not None:
                connection.close()
                connection = None
    if connection is not None:
        connection.close()
    out.put((index, reader, transactions_done, apdus, errors, latencies, waits))


def load(args):
    hcontext = context()
    reader_count = len(readers(hcontext))
    queue = multiprocessing.Queue()
    workers = [multiprocessing.Process(target=load_worker, args=(i, reader_count, args.seconds, args.pause_ms / 1000, queue))
               for i in range(args.processes)]
    started = time.monotonic()
    for worker in workers:
        worker.start()
    results = [queue.get(timeout=args.seconds + 120) for _ in workers]
    for worker in workers:
        worker.join()
    elapsed = time.monotonic() - started
    per_reader = [0] * reader_count
    for result in results:
        per_reader[result[1]] += result[2]
    latencies = sorted(latency for r in results for latency in r[5])
    waits = sorted(wait for r in results for wait in r[6])
    errors = [e for r in results for e in r[4]]

    def percentile(values, fraction):
        return round(values[min(len(values) - 1, int(len(values) * fraction))] * 1000, 1) if values else None

    figures = {
        "readers": reader_count, "processes": args.processes, "seconds": round(elapsed, 1), "pause_ms": args.pause_ms,
        "transactions": sum(r[2] for r in results), "apdus": sum(r[3] for r in results), "errors": len(errors),
        "transactions_per_reader_min": min(per_reader), "transactions_per_reader_max": max(per_reader),
        "transaction_ms_p50": percentile(latencies, 0.5), "transaction_ms_p99": percentile(latencies, 0.99),
        "transaction_ms_max": percentile(latencies, 1.0),
        "begin_wait_ms_p50": percentile(waits, 0.5), "begin_wait_ms_p99": percentile(waits, 0.99),
        "begin_wait_ms_max": percentile(waits, 1.0),
        "transactions_per_process_min": min(r[2] for r in results), "transactions_per_process_max": max(r[2] for r in results),
    }
    failures = []
    if errors:
        failures.append("%d errors, first: %s" % (len(errors), errors[:3]))
    if reader_count != args.expect_readers:
        failures.append("%d readers, expected %d" % (reader_count, args.expect_readers))
    if min(r[2] for r in results) < args.min_per_process:
        failures.append("a process completed %d transactions (at least %d expected): starved waiting for the transaction lock"
                        % (min(r[2] for r in results), args.min_per_process))
    return report(figures, failures)


# ---------------------------------------------------------------------------------------------
# a client killed inside a transaction


def hold_transaction(reader, pin, ready):
    """Takes a transaction, verifies the PIN inside it, and waits to be killed."""
    connection = Connection(reader)
    connection.begin()
    connection.expect(SELECT_AP)
    connection.expect(SELECT_AUTH_PIN)
    connection.expect(bytes.fromhex("0020008004") + pin.encode())
    ready.set()
    time.sleep(600)


def sign_command():
    digest = DIGEST_INFO_PREFIX + hashlib.sha256(b"mynasim contention").digest()
    return bytes([0x80, 0x2A, 0x00, 0x80, len(digest)]) + digest + b"\x00"


def killed_in_transaction(args):
    failures = []
    # Connected before the other client's transaction begins: pcsc-lite's SCardConnect itself
    # waits while another client holds a transaction.
    waiter = Connection(args.reader)
    ready = multiprocessing.Event()
    holder = multiprocessing.Process(target=hold_transaction, args=(args.reader, args.pin, ready))
    holder.start()
    if not ready.wait(30):
        holder.kill()
        return report({}, ["the first client never got its transaction"])
    acquired = threading.Event()
    outcome = {}

    def begin():
        outcome["result"] = scard.SCardBeginTransaction(waiter.hcard)
        outcome["at"] = time.monotonic()
        acquired.set()

    thread = threading.Thread(target=begin, daemon=True)
    thread.start()
    blocked = not acquired.wait(0.5)
    if not blocked:
        failures.append("the second client got a transaction while the first held one: %s" % outcome)
    killed_at = time.monotonic()
    os.kill(holder.pid, signal.SIGKILL)
    holder.join()
    if not acquired.wait(30):
        failures.append("the second client still waits 30 s after the first was killed")
        return report({"blocked_while_held": blocked}, failures)
    figures = {"blocked_while_held": blocked, "released_after_kill_ms": round((outcome["at"] - killed_at) * 1000, 1),
               "first_answer": scard.SCardGetErrorMessage(outcome["result"]).strip()}
    if outcome["result"] == scard.SCARD_W_RESET_CARD:
        # pcscd resets the card of a client that died, so its security state dies with it.
        pcsc(scard.SCardReconnect(waiter.hcard, scard.SCARD_SHARE_SHARED, scard.SCARD_PROTOCOL_T0 | scard.SCARD_PROTOCOL_T1,
                                  scard.SCARD_LEAVE_CARD), "SCardReconnect")
        waiter.begin()
    elif outcome["result"] != scard.SCARD_S_SUCCESS:
        failures.append("SCardBeginTransaction after the kill: %s" % figures["first_answer"])
        return report(figures, failures)
    waiter.expect(SELECT_AP)
    waiter.expect(SELECT_AUTH_KEY)
    status = waiter.transmit(sign_command())[1]
    figures["sign_after_kill"] = "%04X" % status
    if status != 0x6982:
        failures.append("the killed client's PIN verification survived it: a signature answered %04X, not 6982" % status)
    waiter.end()
    waiter.close()
    return report(figures, failures)


# ---------------------------------------------------------------------------------------------
# removal during a slow command


def removal(args):
    failures, times, errors = [], [], []
    sign = sign_command()
    for attempt in range(args.times):
        connection = None
        deadline = time.monotonic() + 10
        while connection is None:  # after a re-insert pcscd needs a moment to see the card again
            try:
                connection = Connection(args.reader)
            except Failure:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.02)
        connection.expect(SELECT_AP)
        connection.expect(SELECT_AUTH_PIN)
        connection.expect(bytes.fromhex("0020008004") + args.pin.encode())
        connection.expect(SELECT_AUTH_KEY)
        outcome = {}

        def send():
            sent = time.monotonic()
            try:
                outcome["answer"] = connection.transmit(sign)
            except Failure as failure:
                outcome["error"] = str(failure)
            outcome["at"] = time.monotonic()
            outcome["sent"] = sent

        thread = threading.Thread(target=send)
        thread.start()
        time.sleep(args.remove_after_ms / 1000)
        removed_at = time.monotonic()
        subprocess.run([args.mynasim, "card", "remove", "--slot", str(args.slot)], check=True, capture_output=True)
        confirmed_at = time.monotonic()
        thread.join(timeout=args.delay_us / 1e6 + 30)
        if "answer" in outcome:
            failures.append("attempt %d: the signature was answered (%04X) although the card was removed" % (attempt, outcome["answer"][1]))
        elif "error" in outcome:
            times.append(((outcome["at"] - removed_at) * 1000, (outcome["at"] - outcome["sent"]) * 1000,
                          (confirmed_at - removed_at) * 1000))
            errors.append(outcome["error"].split(":")[-1].strip() if ":" in outcome["error"] else outcome["error"])
        connection.close()
        subprocess.run([args.mynasim, "card", "insert", "--slot", str(args.slot), args.card], check=True, capture_output=True)
    figures = {
        "attempts": args.times, "slow_command_delay_ms": args.delay_us / 1000,
        "removal_to_error_ms": [round(t[0], 1) for t in times],
        "transmit_duration_ms": [round(t[1], 1) for t in times],
        "remove_command_ms": [round(t[2], 1) for t in times],
        "errors": sorted(set(errors)),
    }
    if len(times) != args.times:
        failures.append("%d of %d attempts ended in an error" % (len(times), args.times))
    slow = [t for t in times if t[0] > args.limit_ms]
    if slow:
        failures.append("the error came %.0f ms after the removal (limit %d ms; the slow command takes %d ms)"
                        % (max(t[0] for t in slow), args.limit_ms, args.delay_us // 1000))
    return report(figures, failures)


def apdus(args):
    connection = Connection(args.reader)
    words = []
    for text in args.apdus:
        words.append("%04X" % connection.transmit(bytes.fromhex(text))[1])
    connection.close()
    print(" ".join(words))
    return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    command = commands.add_parser("exclusive")
    command.add_argument("reader", type=int)
    command = commands.add_parser("transactions")
    command.add_argument("reader", type=int)
    command.add_argument("--rounds", type=int, default=100)
    command = commands.add_parser("load")
    command.add_argument("--seconds", type=float, default=10)
    command.add_argument("--processes", type=int, default=64)
    command.add_argument("--expect-readers", type=int, default=16)
    command.add_argument("--pause-ms", type=float, default=2, help="a client's pause between transactions (0: back to back)")
    command.add_argument("--min-per-process", type=int, default=1, help="transactions every process must complete")
    command = commands.add_parser("killed-in-transaction")
    command.add_argument("reader", type=int)
    command.add_argument("--pin", default="1234")
    command = commands.add_parser("removal")
    command.add_argument("reader", type=int)
    command.add_argument("--slot", type=int, default=0)
    command.add_argument("--card", required=True)
    command.add_argument("--mynasim", required=True)
    command.add_argument("--pin", default="1234")
    command.add_argument("--times", type=int, default=3)
    command.add_argument("--delay-us", type=int, default=5_000_000, help="the slot's sign delay (set it with card configure)")
    command.add_argument("--remove-after-ms", type=int, default=300)
    command.add_argument("--limit-ms", type=int, default=1000)
    command = commands.add_parser("apdus")
    command.add_argument("reader", type=int)
    command.add_argument("apdus", nargs="+")
    args = parser.parse_args()
    multiprocessing.set_start_method("fork")
    handler = {"exclusive": exclusive, "transactions": transactions, "load": load, "killed-in-transaction": killed_in_transaction,
               "removal": removal, "apdus": apdus}[args.command]
    try:
        return handler(args)
    except Failure as failure:
        return report({}, [str(failure)])


if __name__ == "__main__":
    sys.exit(main())
