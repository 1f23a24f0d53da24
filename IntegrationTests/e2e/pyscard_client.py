#!/usr/bin/python3
"""A small pyscard client: transmits through pcscd, and reads PC/SC part 10 TLV properties."""
from smartcard.System import readers
from smartcard.scard import SCARD_CTL_CODE
from smartcard.pcsc.PCSCPart10 import getTlvProperties

def connect(index):
    connection = readers()[index].createConnection()
    connection.connect()
    return connection

c0 = connect(0)
data, sw1, sw2 = c0.transmit(list(bytes.fromhex("00A4040C0AD392F000260100000001")))
assert (sw1, sw2) == (0x90, 0x00), (sw1, sw2)
c0.transmit(list(bytes.fromhex("00A4020C020006")))
data, sw1, sw2 = c0.transmit(list(bytes.fromhex("00B0000020")))
print("token", bytes(data).decode().strip())
c0.transmit(list(bytes.fromhex("00A4020C02000A")))
data, sw1, sw2 = c0.transmit(list(bytes.fromhex("00B00000000000")))
print("extended read", len(data), "%02X%02X" % (sw1, sw2))
for index in (0, 1):
    connection = c0 if index == 0 else connect(1)
    props = getTlvProperties(connection)
    print("slot%d maxAPDU %s" % (index, props.get("PCSCv2_PART10_PROPERTY_dwMaxAPDUDataSize")))
