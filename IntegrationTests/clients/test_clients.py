#!/usr/bin/python3
"""Offline tests of the clients' card logic, against a fake JPKI card (no pcscd needed).

They cover what the simulator does not produce: 61xx chains, 6Cxx, responses longer than
asked for, hostile certificate headers, wrong signatures. Run:

    /usr/bin/python3 IntegrationTests/clients/test_clients.py -v
"""
from __future__ import annotations

import base64
import contextlib
import io
import os
import ssl
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import kakunin_app                     # noqa: E402
import pcsc_jpki as jp                 # noqa: E402
from pcsc_jpki import ClientError      # noqa: E402

PERSONA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                       "vectors", "personas", "yamada-taro")


def load_persona():
    """The persona's auth certificate (DER) and RSA private key (n, d), read-only."""
    with open(os.path.join(PERSONA, "auth.pem")) as f:
        certificate = ssl.PEM_cert_to_DER_cert(f.read())
    with open(os.path.join(PERSONA, "auth.key.pem")) as f:
        body = "".join(line for line in f if not line.startswith("-----"))
    key = base64.b64decode(body)           # PKCS#1 RSAPrivateKey
    _, start, end = jp._der_item(key, 0)
    fields = jp._der_children(key, start, end)
    n, d = (int.from_bytes(key[f[1]:f[2]], "big") for f in (fields[1], fields[3]))
    return certificate, n, d


CERTIFICATE, MODULUS, PRIVATE_EXPONENT = load_persona()


class FakeJpki(jp.Card):
    """Just enough of the JPKI AP. `overrides` maps a command (upper-case hex) to a list of
    responses (hex, SW last) used, one per call, before the emulation answers."""

    def __init__(self, tries: int = 3, pin: bytes = b"1234", certificate: bytes = CERTIFICATE,
                 overrides: dict[str, list[str]] | None = None, signature: bytes | None = None):
        super().__init__(None, "fake reader")
        self.tries, self.pin, self.certificate = tries, pin, certificate
        self.overrides = overrides or {}
        self.signature = signature
        self.sent: list[str] = []
        self.ef = None
        self.verified = False

    def transmit_raw(self, apdu: bytes) -> tuple[bytes, int]:
        command = apdu.hex().upper()
        self.sent.append(command)
        if self.overrides.get(command):
            response = bytes.fromhex(self.overrides[command].pop(0))
            return response[:-2], int.from_bytes(response[-2:], "big")
        return self.emulate(apdu)

    def emulate(self, apdu: bytes) -> tuple[bytes, int]:
        ins, p1, p2, body = apdu[1], apdu[2], apdu[3], apdu[4:]
        if ins == 0xA4 and p1 == 0x04:
            self.ef, self.verified = None, False
            return b"", 0x9000 if body[1:] == jp.JPKI_AID else 0x6A82
        if ins == 0xA4 and p1 == 0x02:
            self.ef = int.from_bytes(body[1:3], "big")
            return b"", 0x9000
        if ins == 0xB0:
            offset, length = p1 << 8 | p2, body[0] or 256
            if offset >= len(self.certificate):
                return b"", 0x6B00
            return self.certificate[offset:offset + length], 0x9000
        if ins == 0x20:
            if not body:
                return b"", 0x63C0 | self.tries
            if self.tries == 0:
                return b"", 0x6984
            if body[1:] == self.pin:
                self.tries, self.verified = 3, True
                return b"", 0x9000
            self.tries -= 1
            return b"", 0x63C0 | self.tries
        if ins == 0x2A:
            if not (self.ef == jp.EF_AUTH_KEY and self.verified):
                return b"", 0x6982
            if self.signature is not None:
                return self.signature, 0x9000
            data = body[1:-1]
            encoded = b"\x00\x01" + b"\xff" * (256 - 3 - len(data)) + b"\x00" + data
            value = pow(int.from_bytes(encoded, "big"), PRIVATE_EXPONENT, MODULUS)
            return value.to_bytes(256, "big"), 0x9000
        return b"", 0x6D00


def app(*argv: str) -> kakunin_app.App:
    return kakunin_app.App(kakunin_app.parse_args(list(argv)))


PIN_APP = ("--method", "pin", "--pin", "1234")
SELECT_JPKI = "00A4040C0AD392F000260100000001"


def verifies_with_pin(card: FakeJpki) -> list[str]:
    return [c for c in card.sent if c.startswith("00200080") and len(c) > 8]


class Encoding(unittest.TestCase):
    def test_expected_length(self):
        self.assertEqual(jp.expected_length(bytes.fromhex("00200080")), 0)
        self.assertEqual(jp.expected_length(bytes.fromhex("00B0000004")), 4)
        self.assertEqual(jp.expected_length(bytes.fromhex("00B0000000")), 256)
        self.assertEqual(jp.expected_length(bytes.fromhex("00A4020C02000A")), 0)
        self.assertEqual(jp.expected_length(jp.sign_command(bytes(51))), 256)
        self.assertEqual(jp.expected_length(bytes.fromhex("00B00000000800")), 2048)
        self.assertEqual(jp.expected_length(bytes.fromhex("00B00000000000")), 65536)

    def test_with_le(self):
        self.assertEqual(jp.with_le(bytes.fromhex("00B0000004"), 2).hex(), "00b0000002")
        self.assertEqual(jp.with_le(bytes.fromhex("00200080"), 2).hex(), "0020008002")
        self.assertEqual(jp.with_le(bytes.fromhex("00B00000000800"), 5).hex(), "00b00000000005")

    def test_describe_hides_pins(self):
        self.assertNotIn("31 32", jp.describe(bytes.fromhex("002000800431323334")))


class KakuninFlow(unittest.TestCase):
    def setUp(self):
        quiet = contextlib.redirect_stdout(io.StringIO())   # the app's human lines
        quiet.__enter__()
        self.addCleanup(quiet.__exit__, None, None, None)

    def test_pin_method_succeeds_and_follows_the_rules(self):
        card = FakeJpki()
        result = app(*PIN_APP, "--challenge", "11" * 32).session(card)
        self.assertEqual(result["tries_left"], 3)
        self.assertEqual(len(bytes.fromhex(result["signature"])), 256)
        self.assertEqual(result["challenge"], "11" * 32)
        self.assertIn("BEGIN CERTIFICATE", result["certificate"])
        # Counter query before the one VERIFY; only allowed EFs; chunks of at most 255 bytes.
        self.assertLess(card.sent.index("00200080"), card.sent.index("002000800431323334"))
        self.assertEqual(len(verifies_with_pin(card)), 1)
        for command in card.sent:
            if command.startswith("00A4020C02"):
                self.assertIn(command[-4:], ("000A", "0018", "0017"))
            if command.startswith("00A404"):
                self.assertEqual(command, SELECT_JPKI)
            if command.startswith("00B0"):
                self.assertEqual(len(command), 10)      # short APDU, Le byte 01..FF
                self.assertNotEqual(command[-2:], "00")
        self.assertEqual(card.sent[-1], SELECT_JPKI)      # final re-select

    def test_visual_method_sends_no_verify_and_no_signature(self):
        card = FakeJpki()
        result = app("--method", "visual").session(card)
        self.assertIsNone(result["signature"])
        self.assertFalse([c for c in card.sent if c[2:4] in ("20", "2A")])
        self.assertEqual(card.sent[-1], SELECT_JPKI)

    def assertExit(self, code, card, *argv):
        with self.assertRaises(ClientError) as raised:
            app(*argv).session(card)
        self.assertEqual(raised.exception.code, code, raised.exception.message)
        return raised.exception

    def test_last_try_needs_confirmation(self):
        card = FakeJpki(tries=1)
        self.assertExit(jp.EXIT_LAST_TRY, card, *PIN_APP)
        self.assertEqual(verifies_with_pin(card), [])
        card = FakeJpki(tries=1)
        app(*PIN_APP, "--confirm-last-try").session(card)
        self.assertEqual(len(verifies_with_pin(card)), 1)

    def test_blocked_sends_no_pin(self):
        card = FakeJpki(tries=0)
        self.assertExit(jp.EXIT_PIN_BLOCKED, card, *PIN_APP)
        self.assertEqual(verifies_with_pin(card), [])
        card = FakeJpki(overrides={"00200080": ["6984"]})
        self.assertExit(jp.EXIT_PIN_BLOCKED, card, *PIN_APP)
        self.assertEqual(verifies_with_pin(card), [])

    def test_wrong_pin_is_not_retried(self):
        card = FakeJpki()
        error = self.assertExit(jp.EXIT_WRONG_PIN, card, "--method", "pin", "--pin", "9999")
        self.assertIn("2 tries left", error.message)
        self.assertEqual(len(verifies_with_pin(card)), 1)
        self.assertEqual(card.sent[-1], SELECT_JPKI)     # re-selected on the error path too

    def test_hostile_certificate_header(self):
        forged = bytes.fromhex("30821000") + CERTIFICATE[4:]     # claims 4100 bytes
        card = FakeJpki(certificate=forged)
        self.assertExit(jp.EXIT_HOSTILE, card, "--method", "visual")
        self.assertFalse([c for c in card.sent if c.startswith("00B0") and c != "00B0000004"])

    def test_header_of_4096_bytes_is_read(self):
        card = FakeJpki(certificate=bytes.fromhex("30820FFC") + bytes(4092))
        self.assertEqual(len(jp.read_certificate(card)), 4096)

    def test_response_longer_than_requested(self):
        card = FakeJpki(overrides={"00B0000004": ["30820480AA9000"]})
        self.assertExit(jp.EXIT_HOSTILE, card, "--method", "visual")
        card = FakeJpki(overrides={"00A4020C02000A": ["AA9000"]})     # data to a SELECT/0C
        self.assertExit(jp.EXIT_HOSTILE, card, "--method", "visual")

    def test_get_response_chain(self):
        card = FakeJpki(overrides={"00B0000004": ["30826102"], "00C0000002": ["04809000"]})
        result = app(*PIN_APP).session(card)
        self.assertIsNotNone(result["signature"])
        self.assertIn("00C0000002", card.sent)

    def test_get_response_chain_is_limited(self):
        card = FakeJpki(overrides={"00A4020C02000A": ["6101"], "00C0000001": ["6101"] * 40})
        self.assertExit(jp.EXIT_HOSTILE, card, "--method", "visual")
        self.assertEqual(card.sent.count("00C0000001"), 16)

    def test_get_response_longer_than_asked(self):
        card = FakeJpki(overrides={"00B0000004": ["6102"], "00C0000002": ["3082048000009000"]})
        self.assertExit(jp.EXIT_HOSTILE, card, "--method", "visual")

    def test_wrong_le_is_resent_once(self):
        card = FakeJpki(overrides={"00B0000004": ["6C04"]})
        app("--method", "visual").session(card)
        self.assertEqual(card.sent.count("00B0000004"), 2)
        card = FakeJpki(overrides={"00B0000004": ["6C04", "6C04"]})
        error = self.assertExit(jp.EXIT_UNEXPECTED_SW, card, "--method", "visual")
        self.assertIn("6C04", error.message)

    def test_unexpected_status_word(self):
        card = FakeJpki(overrides={"00A4020C02000A": ["6A82"]})
        error = self.assertExit(jp.EXIT_UNEXPECTED_SW, card, "--method", "visual")
        self.assertIn("6A82", error.message)

    def test_bad_signatures(self):
        self.assertExit(jp.EXIT_BAD_SIGNATURE, FakeJpki(signature=bytes(256)), *PIN_APP)
        self.assertExit(jp.EXIT_HOSTILE, FakeJpki(signature=bytes(255)), *PIN_APP)

    def test_card_removed_means_no_more_commands(self):
        class Removed(FakeJpki):
            def emulate(self, apdu):
                if apdu[1] == 0x20:
                    self.removed = True
                    raise ClientError(jp.EXIT_READER, "the card was removed")
                return super().emulate(apdu)
        card = Removed()
        self.assertExit(jp.EXIT_READER, card, *PIN_APP)
        self.assertEqual(card.sent[-1], "00200080")


if __name__ == "__main__":
    unittest.main()
