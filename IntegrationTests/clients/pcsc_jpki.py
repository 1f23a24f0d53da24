"""Shared PC/SC and JPKI plumbing for the mynasim test clients.

Used by kakunin_app.py (a careful 資格確認限定型 client) and bad_client.py (a deliberately bad
one). Only the standard library and pyscard's low-level `smartcard.scard` module are used, so
every PC/SC call and every APDU is explicit.

Layers, bottom up:
  * ClientError / exit codes       - every failure ends the client with a documented exit code.
  * run_with_deadline()            - the overall deadline (signal.alarm) that keeps a run finite.
  * open_context(), choose_reader(), wait_for_card() - PC/SC set-up (SCardGetStatusChange).
  * Card                           - one connection: raw transmit, then 61xx/6Cxx follow-ups and
                                     the "never more data than asked for" rule.
  * JPKI helpers                   - SELECT, READ BINARY, certificate read, retry counter,
                                     VERIFY, COMPUTE DIGITAL SIGNATURE; strict: any status word
                                     other than the expected ones raises ClientError.
  * Certificate helpers            - PEM, RSA public key from the DER, PKCS#1 v1.5 check.
"""
from __future__ import annotations

import hashlib
import os
import signal
import ssl
import sys
import threading
import time
import traceback
from typing import Callable

from smartcard import scard

# --------------------------------------------------------------------------------------------
# Exit codes (README.md has the table).

EXIT_OK = 0
EXIT_REFUSED = 1          # bad_client.py: the card did not let the violation through
EXIT_USAGE = 2            # bad arguments / bad PIN format (nothing sent); argparse uses 2 too
EXIT_HOSTILE = 3          # hostile or malformed card response
EXIT_PIN_BLOCKED = 4      # the PIN is blocked (63C0 / 6984 / 6983)
EXIT_LAST_TRY = 5         # one try left and --confirm-last-try not given
EXIT_WRONG_PIN = 6        # the card refused the PIN (63Cx)
EXIT_UNEXPECTED_SW = 7    # an unexpected status word
EXIT_READER = 8           # card removed, reader gone, pcscd unreachable, other PC/SC errors
EXIT_NO_CARD = 9          # no card within --wait-card
EXIT_TIMEOUT = 10         # the overall --timeout deadline passed
EXIT_BAD_SIGNATURE = 11   # the signature does not verify against the certificate read
EXIT_INTERRUPTED = 130    # Ctrl-C

# --------------------------------------------------------------------------------------------
# Card constants (card reference §applications, §jpki-files).

JPKI_AID = bytes.fromhex("D392F000260100000001")
COMMON_AID = bytes.fromhex("D3921000310001010100")      # 共通AP
TEXT_AID = bytes.fromhex("D3921000310001010408")        # 券面事項入力補助AP

EF_SIGN_CERT = 0x0001
EF_SIGN_CA = 0x0002
EF_AUTH_CERT = 0x000A
EF_AUTH_CA = 0x000B
EF_AUTH_KEY = 0x0017
EF_AUTH_PIN = 0x0018
EF_SIGN_KEY = 0x001A
EF_SIGN_PASSWORD = 0x001B
EF_TEXT_PIN = 0x0011          # text AP: 券面事項入力補助用 PIN
EF_TEXT_MY_NUMBER = 0x0001    # text AP: My Number

SHA256_DIGEST_INFO_PREFIX = bytes.fromhex("3031300d060960864801650304020105000420")

MAX_CERTIFICATE = 4096   # a certificate (DER header included) claiming more is refused as hostile
MAX_CHUNK = 255          # short READ BINARY: at most 255 bytes per command (Le = FF)
MAX_GET_RESPONSE = 16    # at most 16 chained GET RESPONSE per command

SW_OK = 0x9000


class ClientError(Exception):
    """Ends the client: `message` goes to stderr and the process exits with `code`."""

    def __init__(self, code: int, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


def sw_text(sw: int) -> str:
    return f"{sw:04X}"


# --------------------------------------------------------------------------------------------
# Overall deadline.

def run_with_deadline(seconds: int, body: Callable[[], int]) -> int:
    """Runs body() and returns its exit code; ends the process with EXIT_TIMEOUT after `seconds`.

    PC/SC calls block inside C (pcsc-lite retries its socket waits after EINTR), so a SIGALRM
    handler installed on the thread that is stuck in SCardTransmit would never get to run.
    The body therefore runs on a worker thread; pyscard releases the GIL during PC/SC calls,
    and the main thread waits in Thread.join(), which Python interrupts to run the handler.
    The handler leaves with os._exit(): pcscd then closes our handles itself, and for a
    connected card it disconnects with SCARD_RESET_CARD, which also clears any verified PIN.
    """
    outcome: dict[str, int] = {}
    tty_state = _save_tty()   # getpass() may be waiting with echo off when the alarm fires

    def worker() -> None:
        try:
            outcome["code"] = body()
        except ClientError as error:
            sys.stdout.flush()
            print(f"error: {error.message}", file=sys.stderr)
            outcome["code"] = error.code
        except BaseException:   # a bug in the client: show it, never hang
            traceback.print_exc()
            outcome["code"] = 1

    def on_alarm(_signum, _frame) -> None:
        _restore_tty(tty_state)
        sys.stdout.flush()
        print(f"error: timeout: the run did not finish within {seconds} s (--timeout); "
              "giving up (pcscd resets the card when we exit)", file=sys.stderr)
        sys.stderr.flush()
        os._exit(EXIT_TIMEOUT)

    signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(seconds)
    thread = threading.Thread(target=worker, name="card-session", daemon=True)
    thread.start()
    try:
        thread.join()
    except KeyboardInterrupt:
        _restore_tty(tty_state)
        print("\ninterrupted (pcscd resets the card when we exit)", file=sys.stderr)
        os._exit(EXIT_INTERRUPTED)
    signal.alarm(0)
    return outcome.get("code", 1)


def _save_tty():
    try:
        import termios
        fd = os.open("/dev/tty", os.O_RDONLY | os.O_NOCTTY)
    except (ImportError, OSError):
        return None
    try:
        return fd, termios.tcgetattr(fd)
    except Exception:
        os.close(fd)
        return None


def _restore_tty(state) -> None:
    if state is not None:
        import termios
        try:
            termios.tcsetattr(state[0], termios.TCSANOW, state[1])
        except Exception:
            pass


# --------------------------------------------------------------------------------------------
# PC/SC set-up.

def pcsc_error(action: str, hresult: int) -> ClientError:
    """A PC/SC failure as a ClientError (exit 8), naming removal and reset plainly."""
    if hresult in (scard.SCARD_W_REMOVED_CARD, scard.SCARD_E_NO_SMARTCARD):
        what = "the card was removed"
    elif hresult == scard.SCARD_W_RESET_CARD:
        what = "the card was reset by another application (session state lost)"
    elif hresult in (scard.SCARD_E_READER_UNAVAILABLE, scard.SCARD_E_UNKNOWN_READER):
        what = "the reader is gone"
    elif hresult == scard.SCARD_E_NO_SERVICE:
        what = "pcscd is not running"
    elif hresult == scard.SCARD_W_UNRESPONSIVE_CARD:
        what = "the card does not answer (mute)"
    else:
        what = "PC/SC error"
    return ClientError(EXIT_READER, f"{action}: {what} "
                                    f"({scard.SCardGetErrorMessage(hresult)}, 0x{hresult & 0xFFFFFFFF:08X})")


def open_context() -> int:
    hresult, context = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
    if hresult != scard.SCARD_S_SUCCESS:
        raise pcsc_error("cannot reach pcscd", hresult)
    return context


def release_context(context: int) -> None:
    scard.SCardReleaseContext(context)


def list_readers(context: int) -> list[str]:
    hresult, readers = scard.SCardListReaders(context, [])
    if hresult == scard.SCARD_E_NO_READERS_AVAILABLE:
        return []
    if hresult != scard.SCARD_S_SUCCESS:
        raise pcsc_error("cannot list readers", hresult)
    return list(readers)


def choose_reader(context: int, wanted: str | None) -> str:
    """--reader NAME: that reader (exact name, else the first whose name contains NAME).
    Without it: the first reader whose name contains "mynasim", else the first reader."""
    readers = list_readers(context)
    if not readers:
        raise ClientError(EXIT_READER, "no PC/SC reader found")
    if wanted:
        if wanted in readers:
            return wanted
        for name in readers:
            if wanted in name:
                return name
        raise ClientError(EXIT_READER, f"reader {wanted!r} not found; readers: {readers}")
    for name in readers:
        if "mynasim" in name:
            return name
    return readers[0]


def wait_for_card(context: int, reader: str, seconds: float,
                  note: Callable[[str], None] | None = None) -> None:
    """Returns once a card is in `reader`; ClientError(EXIT_NO_CARD) after `seconds` without one.

    Uses SCardGetStatusChange, which blocks in pcscd until the reader state changes (no polling).
    """
    deadline = time.monotonic() + seconds
    hresult, states = scard.SCardGetStatusChange(context, 0, [(reader, scard.SCARD_STATE_UNAWARE)])
    announced = False
    while True:
        if hresult == scard.SCARD_E_TIMEOUT:
            raise ClientError(EXIT_NO_CARD, f"no card in {reader!r} within {seconds:g} s (--wait-card)")
        if hresult != scard.SCARD_S_SUCCESS:
            raise pcsc_error(f"watching {reader!r}", hresult)
        state = states[0][1]
        if state & (scard.SCARD_STATE_UNKNOWN | scard.SCARD_STATE_UNAVAILABLE):
            raise ClientError(EXIT_READER, f"reader {reader!r} is unavailable")
        if state & scard.SCARD_STATE_PRESENT:
            return
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise ClientError(EXIT_NO_CARD, f"no card in {reader!r} within {seconds:g} s (--wait-card)")
        if note and not announced:
            note(f"waiting up to {seconds:g} s for a card in {reader!r} ...")
            announced = True
        # Pass back the state just seen: pcscd answers as soon as it differs (insert, removal).
        hresult, states = scard.SCardGetStatusChange(context, max(1, int(remaining * 1000)),
                                                     [(reader, state)])


# --------------------------------------------------------------------------------------------
# APDU encoding.

def expected_length(apdu: bytes) -> int:
    """Ne of a command APDU (ISO/IEC 7816-4 §5.1): the most response data it asks for (0: none)."""
    if len(apdu) < 4:
        raise ValueError(f"APDU too short: {apdu.hex()}")
    body = apdu[4:]
    if not body:                                   # case 1
        return 0
    if len(body) == 1:                             # case 2 short
        return body[0] or 256
    if body[0] != 0:                               # short case 3 / 4
        lc = body[0]
        if len(body) == 1 + lc:
            return 0
        if len(body) == 2 + lc:
            return body[-1] or 256
    elif len(body) >= 3:                           # extended: 00 then two bytes
        if len(body) == 3:                         # case 2E
            return int.from_bytes(body[1:3], "big") or 65536
        lc = int.from_bytes(body[1:3], "big")
        if len(body) == 3 + lc:                    # case 3E
            return 0
        if len(body) == 5 + lc:                    # case 4E
            return int.from_bytes(body[-2:], "big") or 65536
    raise ValueError(f"malformed APDU: {apdu.hex()}")


def with_le(apdu: bytes, le: int) -> bytes:
    """The same command asking for `le` bytes (a short Le byte; 0 stands for 256)."""
    body = apdu[4:]
    ne = expected_length(apdu)
    extended = len(body) >= 3 and body[0] == 0
    if extended:
        if ne:                     # case 2E / 4E: replace the two Le bytes
            return apdu[:-2] + bytes([0, le])
        return apdu + bytes([0, le])   # case 3E: add an extended Le
    if ne:                         # case 2 / 4: replace the Le byte
        return apdu[:-1] + bytes([le])
    return apdu + bytes([le])      # case 1 / 3: add one


def describe(apdu: bytes) -> str:
    """Hex for logs, with VERIFY data (PINs, passwords) hidden."""
    if len(apdu) > 5 and apdu[1] == 0x20:
        return f"{apdu[:5].hex(' ').upper()} <{len(apdu) - 5} secret bytes>"
    return apdu.hex(" ").upper()


# --------------------------------------------------------------------------------------------
# A connection.

class Card:
    """One PC/SC connection to a card.

    send() is what the clients use: it answers 61xx with GET RESPONSE (at most 16 chained),
    re-sends once with Le=xx on 6Cxx, and refuses (exit 3) any response carrying more data
    than the command asked for.
    """

    def __init__(self, context: int | None, reader: str, trace: Callable[[str], None] | None = None):
        self.context = context
        self.reader = reader
        self.trace = trace
        self.handle: int | None = None
        self.protocol = 0
        self.atr = b""
        self.in_transaction = False
        self.removed = False      # set once PC/SC said the card is gone

    # -- PC/SC ---------------------------------------------------------------------------

    def connect(self, transaction: bool = False) -> None:
        """Shared mode, T=0 or T=1, whichever the card offers; optionally inside a transaction
        so no other application can interleave commands with ours."""
        hresult, handle, protocol = scard.SCardConnect(
            self.context, self.reader, scard.SCARD_SHARE_SHARED,
            scard.SCARD_PROTOCOL_T0 | scard.SCARD_PROTOCOL_T1)
        if hresult != scard.SCARD_S_SUCCESS:
            raise pcsc_error(f"cannot connect to the card in {self.reader!r}", hresult)
        self.handle, self.protocol = handle, protocol
        hresult, _name, _state, _protocol, atr = scard.SCardStatus(handle)
        if hresult != scard.SCARD_S_SUCCESS:
            raise self._failed("SCardStatus", hresult)
        self.atr = bytes(atr)
        if transaction:
            hresult = scard.SCardBeginTransaction(handle)
            if hresult != scard.SCARD_S_SUCCESS:
                raise self._failed("SCardBeginTransaction", hresult)
            self.in_transaction = True

    @property
    def protocol_name(self) -> str:
        return {scard.SCARD_PROTOCOL_T0: "T=0", scard.SCARD_PROTOCOL_T1: "T=1"}.get(self.protocol, "?")

    def disconnect(self, disposition: int = scard.SCARD_RESET_CARD) -> None:
        """Ends the transaction (if any) and disconnects; errors here are only reported."""
        if self.handle is None:
            return
        handle, self.handle = self.handle, None
        if self.in_transaction:
            self.in_transaction = False
            scard.SCardEndTransaction(handle, scard.SCARD_LEAVE_CARD)
        hresult = scard.SCardDisconnect(handle, disposition)
        if self.trace:
            how = {scard.SCARD_RESET_CARD: "SCARD_RESET_CARD",
                   scard.SCARD_LEAVE_CARD: "SCARD_LEAVE_CARD"}.get(disposition, str(disposition))
            self.trace(f"-- disconnect ({how})")
        if hresult != scard.SCARD_S_SUCCESS and not self.removed:
            print(f"warning: SCardDisconnect: {scard.SCardGetErrorMessage(hresult)}", file=sys.stderr)

    def _failed(self, action: str, hresult: int) -> ClientError:
        if hresult in (scard.SCARD_W_REMOVED_CARD, scard.SCARD_E_NO_SMARTCARD,
                       scard.SCARD_E_READER_UNAVAILABLE, scard.SCARD_E_UNKNOWN_READER):
            self.removed = True
        return pcsc_error(action, hresult)

    def transmit_raw(self, apdu: bytes) -> tuple[bytes, int]:
        """One SCardTransmit: (data, SW). Overridden by the offline tests."""
        hresult, response = scard.SCardTransmit(self.handle, self.protocol, list(apdu))
        if hresult != scard.SCARD_S_SUCCESS:
            raise self._failed(f"transmit {describe(apdu)}", hresult)
        response = bytes(response)
        if len(response) < 2:
            raise ClientError(EXIT_HOSTILE, f"malformed response to {describe(apdu)}: "
                                            f"{response.hex() or 'nothing'} (no status word)")
        return response[:-2], int.from_bytes(response[-2:], "big")

    # -- APDU level ----------------------------------------------------------------------

    def _exchange(self, apdu: bytes) -> tuple[bytes, int]:
        if self.trace:
            self.trace(f">> {describe(apdu)}")
        data, sw = self.transmit_raw(apdu)
        if self.trace:
            shown = data.hex(" ").upper() if len(data) <= 16 else f"[{len(data)} bytes]"
            self.trace(f"<< {shown} {sw_text(sw)}".replace("<<  ", "<< "))
        return data, sw

    def _send_fixing_le(self, apdu: bytes) -> tuple[bytes, int, bytes]:
        """Sends; on 6Cxx re-sends once with Le=xx. Returns (data, SW, the APDU last sent)."""
        data, sw = self._exchange(apdu)
        if sw >> 8 == 0x6C:
            apdu = with_le(apdu, sw & 0xFF)
            data, sw = self._exchange(apdu)   # a second 6Cxx is left to the caller
        limit = expected_length(apdu)
        if len(data) > limit:
            raise ClientError(EXIT_HOSTILE, f"hostile card: {len(data)} bytes in answer to "
                                            f"{describe(apdu)}, which asked for at most {limit}")
        return data, sw, apdu

    def send(self, apdu: bytes, max_len: int | None = None) -> tuple[bytes, int]:
        """One command with its follow-ups; returns (all data, final SW).

        max_len: the most data the caller accepts in total (default: Ne of `apdu`).
        """
        apdu = bytes(apdu)
        data, sw, sent = self._send_fixing_le(apdu)
        limit = expected_length(sent) if max_len is None else max_len
        collected = bytearray(data)
        chained = 0
        while sw >> 8 == 0x61:
            if chained == MAX_GET_RESPONSE:
                raise ClientError(EXIT_HOSTILE, f"hostile card: still 61xx after {MAX_GET_RESPONSE} "
                                                f"GET RESPONSE for {describe(apdu)}")
            chained += 1
            more, sw, _ = self._send_fixing_le(bytes([0x00, 0xC0, 0x00, 0x00, sw & 0xFF]))
            collected += more
            if len(collected) > limit:
                break
        if len(collected) > limit:
            raise ClientError(EXIT_HOSTILE, f"hostile card: {len(collected)} bytes in answer to "
                                            f"{describe(apdu)}, which asked for at most {limit}")
        return bytes(collected), sw


# --------------------------------------------------------------------------------------------
# JPKI commands (strict: unexpected status words raise ClientError).

def unexpected(what: str, sw: int) -> ClientError:
    return ClientError(EXIT_UNEXPECTED_SW, f"{what}: unexpected status word {sw_text(sw)}")


def expect_ok(card: Card, apdu: bytes, what: str) -> None:
    """A command that returns no data and must answer 9000."""
    _, sw = card.send(apdu)
    if sw != SW_OK:
        raise unexpected(what, sw)


def select_aid(card: Card, aid: bytes, what: str = "SELECT AP") -> None:
    """SELECT by DF name, no FCI (00 A4 04 0C Lc AID)."""
    expect_ok(card, bytes([0x00, 0xA4, 0x04, 0x0C, len(aid)]) + aid, f"{what} {aid.hex().upper()}")


def select_ef(card: Card, fid: int) -> None:
    """SELECT EF under the current AP, no FCI (00 A4 02 0C 02 FID)."""
    expect_ok(card, bytes([0x00, 0xA4, 0x02, 0x0C, 0x02]) + fid.to_bytes(2, "big"),
              f"SELECT EF {fid:04X}")


def read_binary(card: Card, offset: int, length: int) -> bytes:
    """READ BINARY `length` (1..256) bytes at `offset` (short APDU)."""
    if not 0 <= offset <= 0x7FFF or not 1 <= length <= 256:
        raise ValueError((offset, length))
    apdu = bytes([0x00, 0xB0, offset >> 8, offset & 0xFF, length & 0xFF])
    data, sw = card.send(apdu, max_len=length)
    if sw != SW_OK:
        raise unexpected(f"READ BINARY at {offset}", sw)
    return data


def read_certificate(card: Card) -> bytes:
    """Reads the DER certificate in the current EF by the length in its header.

    4 bytes first (30 82 hi lo: total = 4 + hi<<8|lo), then the rest in chunks of at most
    255 bytes. A header claiming more than MAX_CERTIFICATE bytes is refused as hostile.
    """
    header = read_binary(card, 0, 4)
    if len(header) != 4 or header[0] != 0x30 or header[1] != 0x82:
        raise ClientError(EXIT_HOSTILE, f"malformed certificate header {header.hex() or '(empty)'}: "
                                        "expected 30 82 hi lo")
    total = 4 + int.from_bytes(header[2:4], "big")
    if total > MAX_CERTIFICATE:
        raise ClientError(EXIT_HOSTILE, f"hostile certificate header {header.hex()}: claims {total} "
                                        f"bytes, more than the {MAX_CERTIFICATE} this client accepts")
    certificate = bytearray(header)
    while len(certificate) < total:
        length = min(MAX_CHUNK, total - len(certificate))
        chunk = read_binary(card, len(certificate), length)
        if not chunk:   # would loop forever otherwise
            raise ClientError(EXIT_HOSTILE, f"the card returned no data at offset {len(certificate)} "
                                            f"of a {total}-byte certificate")
        certificate += chunk
    return bytes(certificate)


def query_tries(card: Card, what: str = "PIN") -> int:
    """Empty VERIFY (00 20 00 80) on the selected key EF: tries left (0 = blocked).
    Costs no try."""
    _, sw = card.send(bytes.fromhex("00200080"))
    if sw & 0xFFF0 == 0x63C0:
        return sw & 0x0F
    if sw in (0x6984, 0x6983):
        return 0
    raise unexpected(f"{what} retry counter query", sw)


def verify(card: Card, secret: bytes) -> int:
    """VERIFY 00 20 00 80 Lc secret on the selected key EF: the raw SW (callers decide)."""
    _, sw = card.send(bytes([0x00, 0x20, 0x00, 0x80, len(secret)]) + secret)
    return sw


def digest_info(message: bytes) -> bytes:
    """DER DigestInfo of SHA-256(message), as the card expects for P1=00 (card reference §jpki-sign)."""
    return SHA256_DIGEST_INFO_PREFIX + hashlib.sha256(message).digest()


def sign_command(data: bytes) -> bytes:
    """COMPUTE DIGITAL SIGNATURE with the key of the current EF: 80 2A 00 80 Lc data 00."""
    return bytes([0x80, 0x2A, 0x00, 0x80, len(data)]) + data + b"\x00"


def sign(card: Card, data: bytes, what: str = "COMPUTE DIGITAL SIGNATURE") -> bytes:
    signature, sw = card.send(sign_command(data), max_len=256)
    if sw != SW_OK:
        raise unexpected(what, sw)
    if len(signature) != 256:
        raise ClientError(EXIT_HOSTILE, f"{what}: {len(signature)}-byte signature, "
                                        "expected 256 (RSA-2048)")
    return signature


# --------------------------------------------------------------------------------------------
# Certificates and signatures (no crypto library: a tiny DER walker and pow()).

def to_pem(der: bytes) -> str:
    return ssl.DER_cert_to_PEM_cert(der)


def _der_item(buf: bytes, pos: int) -> tuple[int, int, int]:
    """(tag, start of content, end of content) of the DER item at `pos`."""
    if pos + 2 > len(buf):
        raise ValueError("truncated DER")
    tag, first = buf[pos], buf[pos + 1]
    pos += 2
    if first < 0x80:
        length = first
    else:
        count = first & 0x7F
        if not 1 <= count <= 3 or pos + count > len(buf):
            raise ValueError("bad DER length")
        length = int.from_bytes(buf[pos:pos + count], "big")
        pos += count
    if pos + length > len(buf):
        raise ValueError("DER item runs past its parent")
    return tag, pos, pos + length


def _der_children(buf: bytes, start: int, end: int) -> list[tuple[int, int, int]]:
    items, pos = [], start
    while pos < end:
        item = _der_item(buf, pos)
        items.append(item)
        pos = item[2]
    return items


RSA_ENCRYPTION_OID = bytes.fromhex("2a864886f70d010101")


def rsa_public_key(certificate: bytes) -> tuple[int, int]:
    """(modulus, exponent) of an X.509 certificate's RSA key; ValueError if not one."""
    tag, start, end = _der_item(certificate, 0)
    if tag != 0x30 or end != len(certificate):
        raise ValueError("not a single DER SEQUENCE")
    tbs = _der_children(certificate, start, end)[0]
    fields = _der_children(certificate, tbs[1], tbs[2])
    if fields and fields[0][0] == 0xA0:      # [0] version
        fields = fields[1:]
    # serialNumber, signature, issuer, validity, subject, subjectPublicKeyInfo
    if len(fields) < 6:
        raise ValueError("tbsCertificate too short")
    algorithm, key_bits = _der_children(certificate, fields[5][1], fields[5][2])[:2]
    oid = _der_children(certificate, algorithm[1], algorithm[2])[0]
    if certificate[oid[1]:oid[2]] != RSA_ENCRYPTION_OID:
        raise ValueError("not an RSA key")
    if key_bits[0] != 0x03 or certificate[key_bits[1]] != 0:
        raise ValueError("bad subjectPublicKey BIT STRING")
    _, key_start, key_end = _der_item(certificate, key_bits[1] + 1)
    modulus, exponent = _der_children(certificate, key_start, key_end)[:2]
    return (int.from_bytes(certificate[modulus[1]:modulus[2]], "big"),
            int.from_bytes(certificate[exponent[1]:exponent[2]], "big"))


def signature_matches(certificate: bytes, signed: bytes, signature: bytes) -> bool:
    """True if `signature` is the PKCS#1 v1.5 (type 01) signature of `signed` (the DigestInfo
    the card was given) under the certificate's RSA key."""
    modulus, exponent = rsa_public_key(certificate)
    size = (modulus.bit_length() + 7) // 8
    value = int.from_bytes(signature, "big")
    if len(signature) != size or value >= modulus:
        return False
    encoded = pow(value, exponent, modulus).to_bytes(size, "big")
    return encoded == b"\x00\x01" + b"\xff" * (size - 3 - len(signed)) + b"\x00" + signed
