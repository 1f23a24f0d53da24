#!/usr/bin/python3
"""pyscard probes for the reader-path tests (readers.sh): each subcommand prints what it saw and
exits 0 when the check holds. The reader is found through PCSCLITE_CSOCK_NAME (set by
`mynasim sandbox`)."""
import struct
import sys

from smartcard.scard import *  # noqa: F401,F403 (pyscard's constants and functions)

JPKI = [0xD3, 0x92, 0xF0, 0x00, 0x26, 0x01, 0x00, 0x00, 0x00, 0x01]
SELECT_JPKI = [0x00, 0xA4, 0x04, 0x0C, len(JPKI)] + JPKI
SELECT_AUTH_CERT = [0x00, 0xA4, 0x02, 0x0C, 0x02, 0x00, 0x0A]
SELECT_AUTH_PIN = [0x00, 0xA4, 0x02, 0x0C, 0x02, 0x00, 0x18]
CM_IOCTL_GET_FEATURE_REQUEST = SCARD_CTL_CODE(3400)
FEATURE_VERIFY_PIN_DIRECT = 0x06


def fail(message):
    print("FAIL:", message)
    sys.exit(1)


def error(code):
    return "%s (0x%08X)" % (SCardGetErrorMessage(code), code & 0xFFFFFFFF)


def connect(reader_index=0):
    rv, context = SCardEstablishContext(SCARD_SCOPE_USER)
    rv, readers = SCardListReaders(context, [])
    if rv != SCARD_S_SUCCESS or len(readers) <= reader_index:
        fail("no reader %d: %s" % (reader_index, readers))
    rv, card, protocol = SCardConnect(context, readers[reader_index], SCARD_SHARE_SHARED, SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1)
    if rv != SCARD_S_SUCCESS:
        print("connect:", error(rv))
        return context, None, None
    return context, card, protocol


def transmit(card, protocol, apdu):
    rv, response = SCardTransmit(card, protocol, apdu)
    return rv, response


def extended_read(expected_length):
    """One extended READ BINARY returns the whole authentication certificate."""
    _, card, protocol = connect()
    for apdu in (SELECT_JPKI, SELECT_AUTH_CERT):
        rv, response = transmit(card, protocol, apdu)
        if rv or response[-2:] != [0x90, 0x00]:
            fail("select: %s %s" % (error(rv), response))
    rv, response = transmit(card, protocol, [0x00, 0xB0, 0x00, 0x00, 0x00, 0x00, 0x00])
    if rv or response[-2:] != [0x90, 0x00]:
        fail("extended READ BINARY: %s %s" % (error(rv), bytes(response[-2:]).hex()))
    print("extended read %d bytes, protocol T=%d" % (len(response) - 2, 0 if protocol == SCARD_PROTOCOL_T0 else 1))
    if len(response) - 2 != int(expected_length):
        fail("expected %s bytes" % expected_length)


def apdu(hex_apdu, *expected):
    """Sends one APDU; passes when the status word is one of `expected`, or names the error."""
    _, card, protocol = connect()
    if card is None:
        print("result: no connection")
        return
    for command in (SELECT_JPKI,):
        transmit(card, protocol, command)
    rv, response = transmit(card, protocol, list(bytes.fromhex(hex_apdu)))
    outcome = error(rv) if rv else bytes(response[-2:]).hex().upper()
    print("result:", outcome)
    if expected and outcome not in expected and not any(outcome.startswith(e) for e in expected):
        fail("expected one of %s" % ", ".join(expected))


def apdu_under_fault(configure, hex_apdu, expected):
    """Connects and selects the JPKI AP, then sets the fault (`mynasim card configure --slot 0 …`),
    sends the APDU and checks what the client sees; a reconnect with a reset must then work."""
    import shlex
    import subprocess
    _, card, protocol = connect()
    if card is None:
        fail("no connection")
    transmit(card, protocol, SELECT_JPKI)
    subprocess.run(["mynasim-under-test", "card", "configure", "--slot", "0"] + shlex.split(configure), check=True,
                   executable=__import__("os").environ["MYNASIM"], stdout=subprocess.DEVNULL)
    rv, response = transmit(card, protocol, list(bytes.fromhex(hex_apdu)))
    outcome = error(rv) if rv else bytes(response[-2:]).hex().upper()
    print("result:", outcome)
    if not outcome.startswith(expected):
        fail("expected " + expected)
    rv, protocol = SCardReconnect(card, SCARD_SHARE_SHARED, SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1, SCARD_RESET_CARD)
    rv2, response = transmit(card, protocol, SELECT_JPKI) if rv == SCARD_S_SUCCESS else (rv, [])
    print("after reconnect:", error(rv) if rv else (error(rv2) if rv2 else bytes(response[-2:]).hex().upper()))


def pinpad_verify(expected_sw):
    """VERIFY through the PIN pad (FEATURE_VERIFY_PIN_DIRECT): the keys come from the scripted keypad."""
    _, card, protocol = connect()
    rv, response = SCardControl(card, CM_IOCTL_GET_FEATURE_REQUEST, [])
    if rv:
        fail("GET_FEATURE_REQUEST: " + error(rv))
    features, i = {}, 0
    while i + 6 <= len(response):
        features[response[i]] = struct.unpack(">I", bytes(response[i + 2:i + 6]))[0]
        i += 2 + response[i + 1]
    if FEATURE_VERIFY_PIN_DIRECT not in features:
        fail("no FEATURE_VERIFY_PIN_DIRECT in %s" % sorted(features))
    for command in (SELECT_JPKI, SELECT_AUTH_PIN):
        transmit(card, protocol, command)
    # The JPKI PIN: 4 ASCII digits (bmFormatString 82: bytes, left-justified, ASCII), VERIFY P2 80.
    template = [0x00, 0x20, 0x00, 0x80, 0x04, 0xFF, 0xFF, 0xFF, 0xFF]
    block = [0x1E, 0x00, 0x82, 0x04, 0x00, 0x04, 0x04, 0x02, 0x01, 0x09, 0x04, 0x00, 0, 0, 0] + \
        list(struct.pack("<I", len(template))) + template
    rv, response = SCardControl(card, features[FEATURE_VERIFY_PIN_DIRECT], block)
    outcome = error(rv) if rv else bytes(response).hex().upper()
    print("PIN pad verify:", outcome)
    if outcome != expected_sw:
        fail("expected " + expected_sw)


if __name__ == "__main__":
    globals()[sys.argv[1].replace("-", "_")](*sys.argv[2:])
