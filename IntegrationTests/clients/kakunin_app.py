#!/usr/bin/python3
"""A careful imitation of a 資格確認限定型 (simplified health-insurance qualification check) app.

It reads the 利用者証明用電子証明書 from the JPKI AP and, in the PIN method, proves possession of
the card by signing a challenge with the authentication key after verifying the 4-digit PIN.
It behaves as the conformance rules ask of a well-behaved client:

  * selects the JPKI AP by its full AID and never selects any other AP;
  * touches only EFs 000A (auth certificate), 0018 (auth PIN) and 0017 (auth key); never the
    signature certificate/key/password (0001, 0002, 001A, 001B);
  * reads the certificate by the length in its DER header, in short APDUs of at most 255 bytes,
    and refuses a header claiming more than 4096 bytes;
  * queries the retry counter (empty VERIFY) before sending the PIN, sends nothing when the PIN
    is blocked, and asks for --confirm-last-try before spending the last try;
  * never retries a wrong PIN;
  * in the visual method (目視確認) sends no VERIFY and no signature at all;
  * ends by re-selecting the JPKI AP (clears the verified state) and disconnecting with
    SCARD_RESET_CARD;
  * never hangs: everything runs under an overall deadline (--timeout).

Usage: kakunin_app.py [--reader NAME] [--method visual|pin] [--pin PIN] [--confirm-last-try]
                      [--challenge HEX] [--wait-card S] [--timeout S] [--json] [--verbose]
Exit codes: see README.md (0 success; 3 hostile card; 4 blocked; 5 last try; 6 wrong PIN;
7 unexpected SW; 8 reader/card error; 9 no card; 10 timeout; 11 bad signature).
"""
from __future__ import annotations

import argparse
import getpass
import hashlib
import json
import secrets
import sys

from smartcard import scard

import pcsc_jpki as jp
from pcsc_jpki import ClientError

# The only EFs this app may select (defence in depth against a future edit).
ALLOWED_EFS = {jp.EF_AUTH_CERT, jp.EF_AUTH_PIN, jp.EF_AUTH_KEY}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="資格確認限定型 app imitation: read the JPKI auth certificate; with "
                    "--method pin also verify the auth PIN and sign a challenge.")
    parser.add_argument("--reader", metavar="NAME",
                        help='reader name (or part of it); default: the first reader whose name '
                             'contains "mynasim", else the first reader')
    parser.add_argument("--method", choices=("visual", "pin"), default="visual",
                        help="visual: certificate only, no PIN (default); pin: PIN + signature")
    parser.add_argument("--pin", help="the 4-digit auth PIN (default: prompt without echo)")
    parser.add_argument("--confirm-last-try", action="store_true",
                        help="send the PIN even when only one try is left")
    parser.add_argument("--challenge", metavar="HEX",
                        help="32-byte challenge (64 hex digits) to hash and sign; default: random")
    parser.add_argument("--wait-card", type=float, default=10.0, metavar="SECONDS",
                        help="wait this long for a card to be inserted (default 10)")
    parser.add_argument("--timeout", type=int, default=20, metavar="SECONDS",
                        help="overall deadline for the whole run (default 20)")
    parser.add_argument("--json", action="store_true", help="print one JSON object on success")
    parser.add_argument("--verbose", action="store_true",
                        help="log every APDU to stderr (PINs hidden)")
    args = parser.parse_args(argv)

    # Validate everything that can be validated before touching the card (exit 2).
    if args.timeout < 1:
        parser.error("--timeout must be at least 1 second")
    if args.wait_card < 0:
        parser.error("--wait-card must not be negative")
    if args.pin is not None and not valid_pin(args.pin):
        parser.error("--pin must be exactly 4 digits (nothing was sent to the card)")
    if args.challenge is not None:
        try:
            args.challenge = bytes.fromhex(args.challenge)
        except ValueError:
            parser.error("--challenge must be hex")
        if len(args.challenge) != 32:
            parser.error(f"--challenge must be 32 bytes, got {len(args.challenge)}")
    if args.method == "visual" and (args.pin is not None or args.confirm_last_try):
        print("note: --method visual sends no PIN; --pin/--confirm-last-try are ignored",
              file=sys.stderr)
    return args


def valid_pin(pin: str) -> bool:
    return len(pin) == 4 and pin.isascii() and pin.isdigit()


class App:
    def __init__(self, args: argparse.Namespace):
        self.args = args

    def say(self, line: str) -> None:
        """A human line: stdout normally, stderr with --json (stdout holds only the JSON)."""
        print(line, file=sys.stderr if self.args.json else sys.stdout, flush=True)

    def trace(self, line: str) -> None:
        print(line, file=sys.stderr, flush=True)

    # -- steps -------------------------------------------------------------------------

    def select_ef(self, card: jp.Card, fid: int) -> None:
        assert fid in ALLOWED_EFS, f"kakunin_app must not select EF {fid:04X}"
        jp.select_ef(card, fid)

    def obtain_pin(self, tries: int) -> str:
        if self.args.pin is not None:
            return self.args.pin
        try:
            pin = getpass.getpass(f"利用者証明用電子証明書 PIN (4 digits, {tries} tries left): ")
        except EOFError:
            raise ClientError(jp.EXIT_USAGE, "no PIN entered; nothing was sent to the card")
        if not valid_pin(pin):
            raise ClientError(jp.EXIT_USAGE, "the PIN must be exactly 4 digits; "
                                             "nothing was sent to the card")
        return pin

    def flow(self, card: jp.Card) -> dict:
        """Everything between connect and the final re-select. Returns the result object."""
        args = self.args
        jp.select_aid(card, jp.JPKI_AID, "SELECT JPKI AP")
        self.select_ef(card, jp.EF_AUTH_CERT)
        certificate = jp.read_certificate(card)
        try:
            jp.rsa_public_key(certificate)
        except ValueError as error:
            raise ClientError(jp.EXIT_HOSTILE, f"malformed authentication certificate: {error}")
        self.say(f"Certificate: {len(certificate)} bytes, SHA-256 "
                 f"{hashlib.sha256(certificate).hexdigest()}")
        result = {"method": args.method, "certificate": jp.to_pem(certificate),
                  "tries_left": None, "signature": None, "challenge": None}
        if args.method == "visual":
            self.say("Method: visual (目視確認): no PIN, no signature")
            return result

        # PIN method: counter first, then at most one VERIFY.
        self.select_ef(card, jp.EF_AUTH_PIN)
        tries = jp.query_tries(card)
        result["tries_left"] = tries
        self.say(f"PIN tries left: {tries}")
        if tries == 0:
            raise ClientError(jp.EXIT_PIN_BLOCKED, "the PIN is blocked; no PIN was sent "
                                                   "(reset it at the municipal office)")
        if tries == 1 and not args.confirm_last_try:
            raise ClientError(jp.EXIT_LAST_TRY, "only 1 PIN try left; not sending the PIN "
                                                "without --confirm-last-try")
        pin = self.obtain_pin(tries)
        sw = jp.verify(card, pin.encode("ascii"))
        if sw & 0xFFF0 == 0x63C0:
            left = sw & 0x0F
            result["tries_left"] = left
            blocked = " (the PIN is now blocked)" if left == 0 else ""
            raise ClientError(jp.EXIT_WRONG_PIN, f"wrong PIN: {left} tries left{blocked}; "
                                                 "not retrying")
        if sw in (0x6984, 0x6983):
            raise ClientError(jp.EXIT_PIN_BLOCKED, f"the PIN is blocked ({jp.sw_text(sw)})")
        if sw != jp.SW_OK:
            raise jp.unexpected("VERIFY PIN", sw)
        self.say("PIN verified")

        challenge = args.challenge if args.challenge is not None else secrets.token_bytes(32)
        signed = jp.digest_info(challenge)
        self.select_ef(card, jp.EF_AUTH_KEY)
        signature = jp.sign(card, signed)
        result["challenge"] = challenge.hex()
        result["signature"] = signature.hex()
        if not jp.signature_matches(certificate, signed, signature):
            raise ClientError(jp.EXIT_BAD_SIGNATURE,
                              "the signature does not verify against the certificate read")
        self.say(f"Challenge: {challenge.hex()}")
        self.say(f"Signature: {signature.hex()}")
        self.say("Signature verifies against the certificate")
        return result

    # -- session -----------------------------------------------------------------------

    def run(self) -> int:
        args = self.args
        context = jp.open_context()
        card = None
        try:
            reader = jp.choose_reader(context, args.reader)
            jp.wait_for_card(context, reader, args.wait_card, note=self.say)
            card = jp.Card(context, reader, self.trace if args.verbose else None)
            card.connect(transaction=True)
            self.say(f"Reader: {reader} ({card.protocol_name}, ATR {card.atr.hex().upper()})")
            result = self.session(card)
        finally:
            if card is not None:
                card.disconnect(scard.SCARD_RESET_CARD)
            jp.release_context(context)

        if args.json:
            print(json.dumps(result, ensure_ascii=False, indent=2))
        else:
            print(result["certificate"], end="")
            print("OK: JPKI AP re-selected, card reset")
        return jp.EXIT_OK

    def session(self, card: jp.Card) -> dict:
        """The card session on a connected card: flow(), then the final re-select, which clears
        the verified PIN before we let go of the card (also tried on error paths)."""
        try:
            result = self.flow(card)
            jp.select_aid(card, jp.JPKI_AID, "final SELECT JPKI AP")
            return result
        except ClientError as error:
            if error.code != jp.EXIT_READER and not card.removed:
                self.reselect_quietly(card)
            raise

    @staticmethod
    def reselect_quietly(card: jp.Card) -> None:
        """Best effort on an error path: the reset disconnect clears the state anyway."""
        try:
            jp.select_aid(card, jp.JPKI_AID)
        except ClientError:
            pass


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    return jp.run_with_deadline(args.timeout, App(args).run)


if __name__ == "__main__":
    sys.exit(main())
