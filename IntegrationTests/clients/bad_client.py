#!/usr/bin/python3
"""A deliberately bad JPKI client: each --violate RULE commits exactly that violation.

Apart from the violation it behaves like a normal client (full AID, counter query before a
PIN, certificate read by its header length, ...) so a checker should flag that one rule, and
it ends by re-selecting the JPKI AP and disconnecting with SCARD_RESET_CARD — except for
leave-no-verified-state, whose violation is not doing so. The pin-method-verifies-only-0018
rule necessarily breaks other rules too (it selects the text AP).

Every APDU is printed (VERIFY data hidden). Exit status: 0 when the violation was committed
and the card let it through; 1 when the card refused it (or the situation the rule needs was
not there, e.g. no-pin-on-last-try on a card with more than one try left); other codes as in
README.md (3 hostile response, 7 a normal step failed, 8 reader/card error, 9 no card,
10 timeout).

Usage: bad_client.py --violate RULE [--reader NAME] [--pin 1234] [--password TARO2026]
                     [--text-pin 5678] [--wait-card S] [--timeout S]
"""
from __future__ import annotations

import argparse
import secrets
import sys
from typing import Callable

from smartcard import scard

import pcsc_jpki as jp
from pcsc_jpki import ClientError, Card

SELECT_PARTIAL_JPKI = bytes.fromhex("00A4040C05D392F00026")   # first 5 bytes of the AID
READ_BINARY_EXTENDED_ALL = bytes.fromhex("00B00000000800")    # Le = 0800 (2048), extended


def say(line: str) -> None:
    print(line, flush=True)


# --------------------------------------------------------------------------------------------
# Normal building blocks (these follow the rules).

def read_auth_certificate(card: Card) -> bytes:
    jp.select_ef(card, jp.EF_AUTH_CERT)
    certificate = jp.read_certificate(card)
    say(f"# read the auth certificate: {len(certificate)} bytes")
    return certificate


def verify_with_counter(card: Card, fid: int, secret: str, what: str) -> bool:
    """SELECT the key EF, query the counter, then VERIFY once. True on 9000."""
    jp.select_ef(card, fid)
    tries = jp.query_tries(card, what)
    say(f"# {what}: {tries} tries left")
    if tries == 0:
        say(f"# {what} is blocked; not sending it")
        return False
    sw = jp.verify(card, secret.encode("ascii"))
    say(f"# VERIFY {what}: {jp.sw_text(sw)}")
    return sw == jp.SW_OK


def sign_with_auth_key(card: Card) -> bytes:
    jp.select_ef(card, jp.EF_AUTH_KEY)
    signature = jp.sign(card, jp.digest_info(secrets.token_bytes(32)))
    say(f"# signed with the auth key 0017: {len(signature)} bytes")
    return signature


def pin_login(card: Card, args) -> bool:
    """A normal PIN-method login: auth certificate, counter, PIN, signature with 0017."""
    jp.select_aid(card, jp.JPKI_AID)
    read_auth_certificate(card)
    if not verify_with_counter(card, jp.EF_AUTH_PIN, args.pin, "auth PIN 0018"):
        return False
    sign_with_auth_key(card)
    return True


# --------------------------------------------------------------------------------------------
# The violations. Each returns True when it was committed and the card let it through.

def select_jpki_by_full_aid(card: Card, args) -> bool:
    _, sw = card.send(SELECT_PARTIAL_JPKI)
    say(f"# SELECT by the partial AID D3 92 F0 00 26: {jp.sw_text(sw)}")
    if sw != jp.SW_OK:
        return False
    jp.select_ef(card, jp.EF_AUTH_CERT)
    header = jp.read_binary(card, 0, 4)
    say(f"# auth certificate header: {header.hex(' ').upper()}")
    return True


def read_within_certificate_length(card: Card, args) -> bool:
    jp.select_aid(card, jp.JPKI_AID)
    jp.select_ef(card, jp.EF_AUTH_CERT)
    offset = 0
    for _ in range(64):   # 64 x 256 bytes covers any EF this card can hold
        data, sw = card.send(bytes([0x00, 0xB0, offset >> 8, offset & 0xFF, 0x00]))
        say(f"# READ BINARY 256 at {offset}: {len(data)} bytes, {jp.sw_text(sw)}")
        if sw == 0x6B00:
            say(f"# read past the end of the certificate (offset {offset})")
            return True
        if sw not in (jp.SW_OK, 0x6282):
            return False
        offset += len(data) or 256
        if offset > 0x7FFF:
            return False
    return False


def query_counter_before_pin(card: Card, args) -> bool:
    jp.select_aid(card, jp.JPKI_AID)
    jp.select_ef(card, jp.EF_AUTH_PIN)
    sw = jp.verify(card, args.pin.encode("ascii"))   # no empty VERIFY first
    say(f"# VERIFY auth PIN without querying the counter: {jp.sw_text(sw)}")
    return sw == jp.SW_OK


def no_pin_on_last_try(card: Card, args) -> bool:
    jp.select_aid(card, jp.JPKI_AID)
    jp.select_ef(card, jp.EF_AUTH_PIN)
    tries = jp.query_tries(card)
    say(f"# auth PIN: {tries} tries left; sending the PIN anyway")
    sw = jp.verify(card, args.pin.encode("ascii"))
    say(f"# VERIFY auth PIN: {jp.sw_text(sw)}")
    if tries != 1:
        say(f"# (no violation: the counter said {tries}, not 1)")
        return False
    return sw == jp.SW_OK


def stop_after_blocked(card: Card, args) -> bool:
    jp.select_aid(card, jp.JPKI_AID)
    jp.select_ef(card, jp.EF_AUTH_PIN)
    after_blocked = 0
    blocked = False
    for attempt in range(1, 6):
        if blocked:
            after_blocked += 1
        sw = jp.verify(card, b"0000")
        say(f"# wrong PIN #{attempt}: {jp.sw_text(sw)}")
        if sw in (0x63C0, 0x6983, 0x6984):
            blocked = True
    say(f"# {after_blocked} VERIFY sent after the card said blocked")
    return after_blocked > 0


def no_retry_loop_on_6982(card: Card, args) -> bool:
    jp.select_aid(card, jp.JPKI_AID)
    jp.select_ef(card, jp.EF_SIGN_CERT)   # without the signature password
    read = bytes.fromhex("00B0000004")
    _, first = card.send(read)
    say(f"# READ BINARY 4 of the sign certificate: {jp.sw_text(first)}")
    for attempt in range(1, 6):            # the same read again, 5 times
        _, sw = card.send(read)
        say(f"# repeat #{attempt}: {jp.sw_text(sw)}")
    return first == 0x6982


def no_signature_password_for_authentication(card: Card, args) -> bool:
    jp.select_aid(card, jp.JPKI_AID)
    read_auth_certificate(card)
    if not verify_with_counter(card, jp.EF_AUTH_PIN, args.pin, "auth PIN 0018"):
        return False
    # The violation: a login flow has no business with the signature password.
    password_ok = verify_with_counter(card, jp.EF_SIGN_PASSWORD, args.password.upper(),
                                      "sign password 001B")
    sign_with_auth_key(card)
    return password_ok


def leave_no_verified_state(card: Card, args) -> bool:
    # The violation (no re-select, SCARD_LEAVE_CARD) happens in run() when it disconnects.
    return pin_login(card, args)


def extended_only_when_advertised(card: Card, args) -> bool:
    jp.select_aid(card, jp.JPKI_AID)
    jp.select_ef(card, jp.EF_AUTH_CERT)
    data, sw = card.send(READ_BINARY_EXTENDED_ALL)
    say(f"# extended READ BINARY (Le 0800): {len(data)} bytes, {jp.sw_text(sw)}")
    return sw in (jp.SW_OK, 0x6282) and len(data) > 0


def no_redundant_reads(card: Card, args) -> bool:
    jp.select_aid(card, jp.JPKI_AID)
    first = read_auth_certificate(card)
    second = read_auth_certificate(card)   # the violation: the same certificate again
    say(f"# read it twice; identical: {first == second}")
    return True


def jpki_only(card: Card, args) -> bool:
    _, sw = card.send(bytes([0x00, 0xA4, 0x04, 0x0C, len(jp.COMMON_AID)]) + jp.COMMON_AID)
    say(f"# SELECT 共通AP: {jp.sw_text(sw)}")
    # Then a normal visual-method flow.
    jp.select_aid(card, jp.JPKI_AID)
    read_auth_certificate(card)
    return sw == jp.SW_OK


def never_read_my_number(card: Card, args) -> bool:
    jp.select_aid(card, jp.TEXT_AID, "SELECT text AP")
    if not verify_with_counter(card, jp.EF_TEXT_PIN, args.text_pin, "text AP PIN 0011"):
        return False
    jp.select_ef(card, jp.EF_TEXT_MY_NUMBER)
    data, sw = card.send(bytes.fromhex("00B0000011"))
    say(f"# READ BINARY 17 of the My Number EF: {data.hex(' ').upper()} {jp.sw_text(sw)}")
    return sw == jp.SW_OK and len(data) > 0


def no_signature_key(card: Card, args) -> bool:
    jp.select_aid(card, jp.JPKI_AID)
    jp.select_ef(card, jp.EF_SIGN_KEY)
    signature, sw = card.send(jp.sign_command(jp.digest_info(secrets.token_bytes(32))),
                              max_len=256)
    say(f"# sign with the signature key 001A: {len(signature)} bytes, {jp.sw_text(sw)}")
    return sw == jp.SW_OK


def visual_method_sends_no_pin(card: Card, args) -> bool:
    jp.select_aid(card, jp.JPKI_AID)
    read_auth_certificate(card)
    # The violation: a visual-method (目視) flow that verifies the PIN anyway.
    return verify_with_counter(card, jp.EF_AUTH_PIN, args.pin, "auth PIN 0018")


def pin_method_verifies_only_0018(card: Card, args) -> bool:
    if not pin_login(card, args):
        return False
    # The violation: a PIN-method flow that also verifies the text AP PIN.
    jp.select_aid(card, jp.TEXT_AID, "SELECT text AP")
    return verify_with_counter(card, jp.EF_TEXT_PIN, args.text_pin, "text AP PIN 0011")


RULES: dict[str, Callable[[Card, argparse.Namespace], bool]] = {
    "select-jpki-by-full-aid": select_jpki_by_full_aid,
    "read-within-certificate-length": read_within_certificate_length,
    "query-counter-before-pin": query_counter_before_pin,
    "no-pin-on-last-try": no_pin_on_last_try,
    "stop-after-blocked": stop_after_blocked,
    "no-retry-loop-on-6982": no_retry_loop_on_6982,
    "no-signature-password-for-authentication": no_signature_password_for_authentication,
    "leave-no-verified-state": leave_no_verified_state,
    "extended-only-when-advertised": extended_only_when_advertised,
    "no-redundant-reads": no_redundant_reads,
    "jpki-only": jpki_only,
    "never-read-my-number": never_read_my_number,
    "no-signature-key": no_signature_key,
    "visual-method-sends-no-pin": visual_method_sends_no_pin,
    "pin-method-verifies-only-0018": pin_method_verifies_only_0018,
}


# --------------------------------------------------------------------------------------------

def run(args: argparse.Namespace) -> int:
    context = jp.open_context()
    card = None
    try:
        reader = jp.choose_reader(context, args.reader)
        jp.wait_for_card(context, reader, args.wait_card, note=say)
        card = Card(context, reader, trace=say)
        card.connect()
        say(f"# violating {args.violate} on {reader} ({card.protocol_name}, "
            f"ATR {card.atr.hex().upper()})")
        let_through = RULES[args.violate](card, args)
        if args.violate == "leave-no-verified-state":
            card.disconnect(scard.SCARD_LEAVE_CARD)   # the violation: no re-select, no reset
        else:
            jp.select_aid(card, jp.JPKI_AID, "final SELECT JPKI AP")
    finally:
        if card is not None:
            card.disconnect(scard.SCARD_RESET_CARD)   # no-op if already disconnected
        jp.release_context(context)
    say(f"# {args.violate}: " + ("committed, the card let it through" if let_through
                                 else "the card refused (or the rule's situation was absent)"))
    return jp.EXIT_OK if let_through else jp.EXIT_REFUSED


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="A JPKI client that breaks exactly one rule.")
    parser.add_argument("--violate", required=True, choices=sorted(RULES), metavar="RULE",
                        help="one of: " + ", ".join(RULES))
    parser.add_argument("--reader", metavar="NAME", help="reader name or part of it")
    parser.add_argument("--pin", default="1234", help="auth PIN (default 1234)")
    parser.add_argument("--password", default="TARO2026", help="sign password (default TARO2026)")
    parser.add_argument("--text-pin", default="5678", help="text AP PIN (default 5678)")
    parser.add_argument("--wait-card", type=float, default=10.0, metavar="SECONDS",
                        help="wait this long for a card (default 10)")
    parser.add_argument("--timeout", type=int, default=20, metavar="SECONDS",
                        help="overall deadline (default 20)")
    args = parser.parse_args(argv)
    if args.timeout < 1:
        parser.error("--timeout must be at least 1 second")
    return jp.run_with_deadline(args.timeout, lambda: run(args))


if __name__ == "__main__":
    sys.exit(main())
