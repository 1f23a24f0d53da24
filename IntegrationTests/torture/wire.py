"""A minimal client of the simulator's wire protocol (docs/wire-protocol.md), standard library only.

The torture tests talk to `mynasim serve` directly, as the IFD handler does, so that pcscd is not
in the hot loop: a command connection for one slot (POWER_ON, TRANSMIT) and a control connection
(the JSON requests `mynasim card` sends).
"""
import json
import socket
import struct

HEADER = struct.Struct(">BBI")
HELLO, POWER_ON, POWER_OFF, TRANSMIT, CONTROL = 0x01, 0x02, 0x03, 0x05, 0x40
HELLO_ACK, ATR, ACK, RESPONSE, CONTROL_REPLY, ERROR = 0x81, 0x82, 0x83, 0x85, 0xC0, 0xFF
ROLE_COMMAND, ROLE_CONTROL = 0, 2


class Lost(Exception):
    """The connection ended before the reply arrived (the simulator died, or closed it)."""


class Refused(Exception):
    """The simulator answered with an ERROR frame: (code, message)."""

    def __init__(self, code, message):
        super().__init__("error %d: %s" % (code, message))
        self.code = code
        self.message = message


class Connection:
    """One wire-protocol connection: HELLO with a role, then request and reply frames."""

    def __init__(self, path, role, slot=0, timeout=10.0, name="mynasim-torture"):
        self.slot = slot
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        try:
            self.sock.connect(path)
        except OSError as error:
            self.sock.close()
            raise Lost("connect %s: %s" % (path, error)) from None
        ftype, payload = self.request(HELLO, struct.pack(">HB", 1, role) + name.encode())
        if ftype != HELLO_ACK:
            raise Lost("HELLO answered with frame type %02X" % ftype)

    def close(self):
        self.sock.close()

    def _receive(self, count):
        data = bytearray()
        while len(data) < count:
            try:
                chunk = self.sock.recv(count - len(data))
            except OSError as error:
                raise Lost(str(error)) from None
            if not chunk:
                raise Lost("connection closed")
            data += chunk
        return bytes(data)

    def request(self, ftype, payload=b""):
        """Sends one frame and returns the reply's (type, payload); an ERROR frame raises Refused."""
        try:
            self.sock.sendall(HEADER.pack(ftype, self.slot, len(payload)) + payload)
        except OSError as error:
            raise Lost(str(error)) from None
        rtype, _, length = HEADER.unpack(self._receive(HEADER.size))
        body = self._receive(length) if length else b""
        if rtype == ERROR:
            code = struct.unpack(">H", body[:2])[0] if len(body) >= 2 else -1
            raise Refused(code, body[2:].decode(errors="replace"))
        return rtype, body


class CardLink(Connection):
    """A command connection to one slot: power and APDUs."""

    def __init__(self, path, slot=0, timeout=10.0):
        super().__init__(path, ROLE_COMMAND, slot, timeout)

    def power_on(self):
        ftype, atr = self.request(POWER_ON)
        if ftype != ATR:
            raise Lost("POWER_ON answered with frame type %02X" % ftype)
        return atr

    def transmit(self, apdu):
        """The response APDU's status word as an int (data is returned too): (data, sw)."""
        ftype, response = self.request(TRANSMIT, bytes(apdu))
        if ftype != RESPONSE or len(response) < 2:
            raise Lost("TRANSMIT answered with frame type %02X (%d bytes)" % (ftype, len(response)))
        return response[:-2], response[-2] << 8 | response[-1]


class ControlLink(Connection):
    """A control connection: the JSON requests of `mynasim card` and `mynasim status`."""

    def __init__(self, path, timeout=30.0):
        super().__init__(path, ROLE_CONTROL, 0, timeout, name="mynasim-torture-control")

    def send(self, request):
        ftype, payload = self.request(CONTROL, json.dumps(request).encode())
        if ftype != CONTROL_REPLY:
            raise Lost("control answered with frame type %02X" % ftype)
        return json.loads(payload)

    def restore(self, slot=0):
        return self.send({"restore": {"slot": slot}})

    def status(self):
        return self.send({"status": {}})
