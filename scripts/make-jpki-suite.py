#!/usr/bin/env python3
"""Generates vectors/suites/jpki (fits any card: the credentials are the variables AUTH_PIN and
SIGN_PW, which `--card`, `--let` or `--ask` give, and every case that needs one says so with
`requires`) and vectors/suites/jpki-kat (known-answer vectors for each shipped persona, computed
here with the openssl CLI from the persona's private keys: an oracle independent of the card; each
file's cases `assume` the card's serial number, so they are not applicable on any other card).
Run from the repository root after regenerating personas."""
import glob, hashlib, os, re, subprocess, tempfile, yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SUITE = os.path.join(ROOT, "vectors/suites/jpki")
KAT = os.path.join(ROOT, "vectors/suites/jpki-kat")
PERSONAS = os.path.join(ROOT, "vectors/personas")
AID = "D392F000260100000001"
SELECT_AP = "00A4040C0A" + AID
H = lambda b: b.hex().upper()

# Variables a card gives (docs/script-format.md): a case that reads one requires it, so it is not
# applicable on a card without it (no signature certificate, a face-authentication card).
GIVEN = ["AUTH_PIN", "SIGN_PW", "TEXT_PIN", "RESIDENT_PIN", "MY_NUMBER", "VERIFICATION_B", "BIRTH_KEY"]

def case(cid, title, body, req=None, attrs="", needs=()):
    used = [n for n in GIVEN if re.search(r"(\$|\(|\{)" + n + r"\b", body) or n in needs]
    head = (f'case {cid} "{title}"' + (f' requirement "{req}"' if req else "") + (f" requires {','.join(used)}" if used else "")
            + (f" {attrs}" if attrs else ""))
    lines = "\n".join("  " + l for l in body.strip("\n").split("\n"))
    return f"{head}\n{lines}\nend\n"

def write(directory, name, header, cases):
    os.makedirs(directory, exist_ok=True)
    with open(os.path.join(directory, name), "w") as f:
        f.write(header.strip() + "\n\n" + "\n".join(cases))
    return len(cases)

def sel(fid): return f"00A4020C02{fid} => 9000"

total = 0
# ---------------------------------------------------------------- 01 selection
c = []
# Every ATR a My Number card answers with (MynaApplications' CardATR), so the case fits any card.
ATRS = ["3BE000FF8131FE4514", "3BDA13FF8131FB468012392F31C173C601C03B", "3BC5FF8131FB458073C6010000", "3BF59100FF918171FE400042000100D1D6",
        "3BF59100FF918171FE4000420001B3A115", "3B888001000005E0B381A1007F", "3B888001000041E0B381A1003B", "3B888001004B51FF0081D100BC",
        "3B888001004B51FFB381D1000F"]
c.append(case("SEL-001", "cold reset answers one of the My Number card ATRs", "reset => " + " | ".join(ATRS), "card reference §atr-contact, §atr-contactless, §decision-atr"))
c.append(case("SEL-002", "SELECT the JPKI AP by full AID", f"{SELECT_AP} => 9000", "card reference §select"))
c.append(case("SEL-003", "SELECT the JPKI AP with P2 00 (FCI) answers 9000 without data", f"00A404000A{AID} => 9000", "docs/fidelity.md"))
c.append(case("SEL-004", "SELECT by partial DF name (5-byte RID)", "00A4040C05D392F00026 => 9000", "card reference §select"))
c.append(case("SEL-005", "SELECT with Lc 0 is wrong length", "00A4040C00 => 6700", "card reference §decision-status-words"))
c.append(case("SEL-006", "SELECT with inconsistent Lc is wrong length", "00A4040C0AD392F0 => 6700", "card reference §decision-status-words"))
c.append(case("SEL-007", "SELECT P2 04 (FCP) is refused", f"00A404040A{AID} => 6A86", "card reference §decision-status-words"))
c.append(case("SEL-008", "SELECT by path (P1 08) is refused", "00A4080C020001 => 6A86", "docs/fidelity.md"))
c.append(case("SEL-009", "SELECT MF after a cold reset answers 6A86", "reset\n00A40000 => 6A86", "card reference §mf"))
c.append(case("SEL-010", "SELECT MF with an AP current is a no-op", f"{SELECT_AP} => 9000\n00A40000 => 9000\n{sel('000A')}", "card reference §mf"))
c.append(case("SEL-011", "SELECT 3F00 by FID answers 6A82", "00A4000C023F00 => 6A82\n00A4020C023F00 => 6A82", "card reference §mf"))
c.append(case("SEL-012", "the ISD AID restores the power-on state", f"{SELECT_AP} => 9000\n00A4040C07A0000001510000 => 9000\n00A40000 => 6A86", "card reference §applications"))
c.append(case("SEL-013", "MF-level EFs 2F10/2F11 are absent", "reset\n00A4020C022F10 => 6A82\n00A4020C022F11 => 6A82", "card reference §mf"))
c.append(case("SEL-014", "MF-level EF 001E is selectable but internal", "reset\n00A4020C02001E => 9000\n00B0000001 => 6981", "card reference §mf"))
foreign = ["627601FF000000", "A0000000010101", "E82B0601040181C31F0201", "D23300000045737445494420763335", "A000000308000010000100",
           "A00000011 6DB00".replace(" ", ""), "A0000000791000", "A0000000790100", "A0000000790101", "A0000000790102", "F276A288BCFBA69D34F31001",
           "A0000003974254465900", "D392100031000101040899", "A0000000030000", "A000000063504B43532D3135"]
for i, aid in enumerate(foreign, 15):
    n = len(aid) // 2
    c.append(case(f"SEL-{i:03}", f"a foreign AID {aid} is refused (keeps OpenSC's other drivers off)", f"00A4040C{n:02X}{aid} => 6A82", "card reference §decision-status-words"))
n0 = len(c)
SIGNATURE_FILES = ["0001", "001A", "001B"]  # only on a card with a signature certificate (its password is SIGN_PW)
for i, fid in enumerate(["0002", "0006", "0008", "000A", "000B", "0017", "0018", "0001", "001A", "001B", "0009", "0016"], n0 + 1):
    c.append(case(f"SEL-{i:03}", f"SELECT EF {fid} in the JPKI AP", f"{SELECT_AP} => 9000\n{sel(fid)}", "card reference §jpki-files",
                  needs=["SIGN_PW"] if fid in SIGNATURE_FILES else []))
n0 = len(c)
for i, fid in enumerate(["0003", "0004", "0007", "000C", "0011", "001F", "2F01", "5015"], n0 + 1):
    c.append(case(f"SEL-{i:03}", f"EF {fid} does not exist in the JPKI AP", f"{SELECT_AP} => 9000\n00A4020C02{fid} => 6A82", "card reference §select"))
c.append(case(f"SEL-{len(c)+1:03}", "a failed EF SELECT keeps the current EF", f"{SELECT_AP} => 9000\n{sel('0008')}\n00A4020C020004 => 6A82\n00B0000003 => .. 8F00 9000", "ISO 7816-4"))
c.append(case(f"SEL-{len(c)+1:03}", "a failed AP SELECT keeps the current AP", f"{SELECT_AP} => 9000\n00A4040C0AD392F000260100000099 => 6A82\n{sel('000A')}", "ISO 7816-4"))
total += write(SUITE, "01-select.apdu", "# JPKI suite 1: ATR and SELECT (card reference §atr, §applications, §mf, §select, §decision-atr, §decision-status-words)", c)

# ---------------------------------------------------------------- 02 read binary
c = []
r = lambda cid, t, b, req="card reference §read-binary", attrs="", needs=(): c.append(case(cid, t, b, req, attrs, needs))
r("RB-001", "READ BINARY with no current EF answers 6986", f"{SELECT_AP} => 9000\n00B0000004 => 6986")
r("RB-002", "auth certificate header is a DER SEQUENCE with a 2-byte length", f"{SELECT_AP} => 9000\n{sel('000A')}\n00B0000004 => 3082 [len:2] 9000")
r("RB-003", "auth certificate read by its header length (read-ef)", f"{SELECT_AP} => 9000\n{sel('000A')}\nread-ef cert\nexpect cert = 3082 *")
r("RB-004", "auth CA certificate read by its header length", f"{SELECT_AP} => 9000\n{sel('000B')}\nread-ef ca\nexpect ca = 3082 *")
r("RB-005", "sign CA certificate read by its header length", f"{SELECT_AP} => 9000\n{sel('0002')}\nread-ef ca\nexpect ca = 3082 *")
r("RB-006", "token info is 160 bytes: Le 00 gives the short answer with 9000", f"{SELECT_AP} => 9000\n{sel('0006')}\n00B0000000 => 4A504B494150494343544F4B454E32 2020202020202020202020202020202020 [rest:128] 9000")
r("RB-007", "token info label JPKIAPICCTOKEN2 in the first 32 bytes", f"{SELECT_AP} => 9000\n{sel('0006')}\n00B0000020 => 4A504B4941504943 43544F4B454E3220 2020202020202020 2020202020202020 9000", "card reference §decision-jpki-files")
for i, le in enumerate([1, 0x14, 0x20, 0x9F, 0xA0], 8):
    r(f"RB-{i:03}", f"token info with Le {le} returns {min(le,160)} bytes", f"{SELECT_AP} => 9000\n{sel('0006')}\n00B00000{le:02X} => [d:{min(le,160)}] 9000")
r("RB-013", "token info: last byte at offset 159", f"{SELECT_AP} => 9000\n{sel('0006')}\n00B0009F10 => .. 9000")
r("RB-014", "token info: offset 160 (the end) answers 6B00", f"{SELECT_AP} => 9000\n{sel('0006')}\n00B000A001 => 6B00")
r("RB-015", "offset far past the end answers 6B00", f"{SELECT_AP} => 9000\n{sel('0006')}\n00B07FFF01 => 6B00")
r("RB-016", "EF 0008 is 8F 8F 00 on a card with a signature certificate", f"{SELECT_AP} => 9000\n{sel('0008')}\n00B0000000 => 8F8F00 9000", "card reference §decision-jpki-files", needs=["SIGN_PW"])
r("RB-017", "the 256-byte boundary: offset 0100", f"{SELECT_AP} => 9000\n{sel('000A')}\n00B0000000 => [a:256] 9000\n00B0010010 => [b:16] 9000")
r("RB-018", "extended Le 0000 reads the whole certificate", f"{SELECT_AP} => 9000\n{sel('000A')}\n00B0000004 => 3082 [len:2] 9000\n00B00000000000 => 3082 $len * 9000", "card reference §extended-length", "profile extended")
r("RB-019", "extended Le of the exact length", f"{SELECT_AP} => 9000\n{sel('000A')}\n00B0000004 => 3082 [len:2] 9000\n00B0000000${{len+4:2}} => 3082 $len * 9000", "card reference §extended-length", "profile extended")
r("RB-020", "the last byte of the certificate, then past the end", f"{SELECT_AP} => 9000\n{sel('000A')}\n00B0000004 => 3082 [len:2] 9000\n00B0${{len+3:2}}01 => .. 9000\n00B0${{len+4:2}}01 => 6B00")
r("RB-021", "Le beyond the end returns the remaining bytes with 9000", f"{SELECT_AP} => 9000\n{sel('000A')}\n00B0000004 => 3082 [len:2] 9000\n00B0${{len+1:2}}FF => [tail:3] 9000")
sfis = [("0002", 0x82), ("0006", 0x86), ("0008", 0x88), ("000A", 0x8A), ("000B", 0x8B)]
for i, (fid, p1) in enumerate(sfis, 22):
    r(f"RB-{i:03}", f"READ BINARY by short EF id {p1 & 0x1F:02X} (EF {fid})", f"{SELECT_AP} => 9000\n00B0{p1:02X}0001 => .. 9000", "card reference §read-binary")
r("RB-027", "READ BINARY by SFI makes the EF current", f"{SELECT_AP} => 9000\n00B08A0004 => 3082 .. .. 9000\n00B0000004 => 3082 .. .. 9000", "card reference §read-binary")
r("RB-028", "READ BINARY by SFI with extended Le", f"{SELECT_AP} => 9000\n00B08A00000000 => 3082 * 9000", "card reference §extended-length", "profile extended")
r("RB-029", "READ BINARY by SFI of an absent EF answers 6A82", f"{SELECT_AP} => 9000\n00B0830001 => 6A82")
r("RB-030", "READ BINARY P1 with bits 6-7 set is refused", f"{SELECT_AP} => 9000\n00B0A00001 => 6A86")
r("RB-031", "READ BINARY by SFI 0 is refused", f"{SELECT_AP} => 9000\n00B0800001 => 6A86")
r("RB-032", "READ BINARY without Le (case 1) is wrong length", f"{SELECT_AP} => 9000\n{sel('0006')}\n00B00000 => 6700")
r("RB-033", "READ BINARY with data (case 3) is wrong length", f"{SELECT_AP} => 9000\n{sel('0006')}\n00B000000101 => 6700")
for i, fid in enumerate(["0017", "0018", "001A", "001B", "0016"], 34):
    r(f"RB-{i:03}", f"reading internal EF {fid} answers 6981", f"{SELECT_AP} => 9000\n{sel(fid)}\n00B0000001 => 6981", "card reference §read-binary",
      needs=["SIGN_PW"] if fid in SIGNATURE_FILES else [])
r("RB-039", "protected EF 0009 answers 6982", f"{SELECT_AP} => 9000\n{sel('0009')}\n00B0000001 => 6982", "card reference §jpki-files")
r("RB-040", "the signature certificate needs the password: 6982", f"{SELECT_AP} => 9000\n{sel('0001')}\n00B0000004 => 6982", "card reference §decision-jpki-files", needs=["SIGN_PW"])
r("RB-041", "the auth PIN does not open the signature certificate", f"{SELECT_AP} => 9000\n00200098 04 $AUTH_PIN => 9000\n{sel('0001')}\n00B0000004 => 6982", "card reference §decision-security-state", needs=["SIGN_PW"])
r("RB-042", "after the password the signature certificate is readable", f"{SELECT_AP} => 9000\n0020009B ${{len(SIGN_PW):1}} $SIGN_PW => 9000\n{sel('0001')}\nread-ef cert\nexpect cert = 3082 *", "card reference §decision-jpki-files")
c.append(case("RB-043", "Le sweep 1..256 on the auth certificate: each answer has exactly Le bytes",
              f"{SELECT_AP} => 9000\n{sel('000A')}\nfor le in 1..255\n  00B00000${{le}} => [d:*] 9000\nend\n00B0000000 => [d256:256] 9000", "card reference §read-binary"))
c.append(case("RB-044", "P1 sweep: offsets 0000..0400 by 0x100 all answer data", f"{SELECT_AP} => 9000\n{sel('000A')}\nfor p1 in 0..4\n  00B0${{p1}}0010 => [d:16] 9000\nend", "card reference §read-binary"))
total += write(SUITE, "02-read-binary.apdu", "# JPKI suite 2: READ BINARY (card reference §read-binary, §jpki-files, §decision-jpki-files)", c)

# ---------------------------------------------------------------- 03 verify
c = []
# A case about a credential's counter needs a card where that credential is usable (its value given).
v = lambda cid, t, b, req="card reference §verify, §decision-verify", attrs="", needs=(): c.append(case(cid, t, b, req, attrs, needs))
v("VER-001", "retry query on the auth PIN: 63C3", f"{SELECT_AP} => 9000\n{sel('0018')}\n00200080 => 63C3", needs=["AUTH_PIN"])
v("VER-002", "retry query on the sign password: 63C5", f"{SELECT_AP} => 9000\n{sel('001B')}\n00200080 => 63C5", needs=["SIGN_PW"])
v("VER-003", "retry query by SFI 18", f"{SELECT_AP} => 9000\n00200098 => 63C3", needs=["AUTH_PIN"])
v("VER-004", "retry query by SFI 1B", f"{SELECT_AP} => 9000\n0020009B => 63C5", needs=["SIGN_PW"])
v("VER-005", "VERIFY the auth PIN", f"{SELECT_AP} => 9000\n{sel('0018')}\n00200080 04 $AUTH_PIN => 9000")
v("VER-006", "VERIFY the auth PIN by SFI", f"{SELECT_AP} => 9000\n00200098 04 $AUTH_PIN => 9000")
v("VER-007", "VERIFY the sign password", f"{SELECT_AP} => 9000\n{sel('001B')}\n00200080 ${{len(SIGN_PW):1}} $SIGN_PW => 9000")
v("VER-008", "the empty query right after a success still answers 63C3 (OpenSC needs SW1 63)", f"{SELECT_AP} => 9000\n00200098 04 $AUTH_PIN => 9000\n00200098 => 63C3", "OpenSC PR #959")
v("VER-009", "a wrong PIN costs one try, a right one restores", f"{SELECT_AP} => 9000\n00200098 04 30303030 => 63C2\n00200098 => 63C2\n00200098 04 $AUTH_PIN => 9000\n00200098 => 63C3", attrs="destructive")
v("VER-010", "the query never consumes a try", f"{SELECT_AP} => 9000\nrepeat 10\n  00200098 => 63C3\nend", needs=["AUTH_PIN"])
v("VER-011", "the counter survives a cold reset and re-select", f"{SELECT_AP} => 9000\n00200098 04 30303030 => 63C2\nreset\n{SELECT_AP} => 9000\n00200098 => 63C2\n00200098 04 $AUTH_PIN => 9000", attrs="destructive")
v("VER-012", "auth PIN life cycle: 63C2, 63C1, 63C0, then 6984, even for the right PIN", f"{SELECT_AP} => 9000\n00200098 04 30303030 => 63C2\n00200098 04 30303030 => 63C1\n00200098 04 30303030 => 63C0\n00200098 04 30303030 => 6984\n00200098 04 $AUTH_PIN => 6984\n00200098 => 63C0", attrs="disposable")
v("VER-013", "sign password life cycle: five tries then blocked", f"{SELECT_AP} => 9000\n" + "\n".join(f"0020009B 06 585858585858 => 63C{n}" for n in (4, 3, 2, 1, 0)) + "\n0020009B 06 585858585858 => 6984\n0020009B => 63C0", attrs="disposable", needs=["SIGN_PW"])
v("VER-014", "a blocked auth PIN leaves the sign password alone", f"{SELECT_AP} => 9000\nrepeat 3\n  00200098 04 30303030 => 63C?\nend\n0020009B => 63C5\n0020009B ${{len(SIGN_PW):1}} $SIGN_PW => 9000", attrs="disposable")
v("VER-015", "the sign password is case-sensitive", f"{SELECT_AP} => 9000\nlet SIGN_PW_LOWER = ${{lower(SIGN_PW)}}\n0020009B ${{len(SIGN_PW_LOWER):1}} $SIGN_PW_LOWER => 63C4\n0020009B ${{len(SIGN_PW):1}} $SIGN_PW => 9000", "card reference §host-validation", "destructive")
v("VER-016", "a PIN of the wrong length counts as wrong", f"{SELECT_AP} => 9000\n00200098 05 3132333435 => 63C2\n00200098 04 $AUTH_PIN => 9000", attrs="destructive")
v("VER-017", "VERIFY P2 80 with no current EF answers 6986", f"{SELECT_AP} => 9000\n00200080 => 6986", "docs/fidelity.md")
v("VER-018", "VERIFY P2 80 on a certificate EF answers 6A88", f"{SELECT_AP} => 9000\n{sel('000A')}\n00200080 => 6A88", "docs/fidelity.md")
v("VER-019", "VERIFY by the SFI of a non-credential answers 6A88", f"{SELECT_AP} => 9000\n0020008A => 6A88", "docs/fidelity.md")
v("VER-020", "VERIFY with P1 01 answers 6A86", f"{SELECT_AP} => 9000\n00200198 => 6A86")
v("VER-021", "VERIFY with P2 A0 answers 6A86", f"{SELECT_AP} => 9000\n002000A0 => 6A86")
v("VER-022", "VERIFY with Le (case 2) is wrong length", f"{SELECT_AP} => 9000\n0020009800 => 6700")
v("VER-023", "VERIFY with data and Le (case 4) is wrong length", f"{SELECT_AP} => 9000\n00200098 04 $AUTH_PIN 00 => 6700")
v("VER-024", "re-selecting the AP clears the verified state", f"{SELECT_AP} => 9000\n00200098 04 $AUTH_PIN => 9000\n{SELECT_AP} => 9000\n00A4020C020017 => 9000\n802A0080 33 3031300D060960864801650304020105000420 {'AB'*32} 00 => 6982", "card reference §decision-security-state")
v("VER-025", "a cold reset clears the verified state", f"{SELECT_AP} => 9000\n00200098 04 $AUTH_PIN => 9000\nreset\n{SELECT_AP} => 9000\n802A0097 33 3031300D060960864801650304020105000420 {'AB'*32} 00 => 6982", "card reference §decision-security-state")
v("VER-026", "the verified state survives EF selects in the same AP", f"{SELECT_AP} => 9000\n{sel('0018')}\n00200080 04 $AUTH_PIN => 9000\n{sel('000A')}\n{sel('0017')}\n802A0080 33 3031300D060960864801650304020105000420 {'AB'*32} 00 => [s:256] 9000", "card reference §security-state")
v("VER-027", "a failed VERIFY withdraws an earlier success", f"{SELECT_AP} => 9000\n00200098 04 $AUTH_PIN => 9000\n00200098 04 30303030 => 63C2\n802A0097 33 3031300D060960864801650304020105000420 {'AB'*32} 00 => 6982\n00200098 04 $AUTH_PIN => 9000", "ISO 7816-4", "destructive")
total += write(SUITE, "03-verify.apdu", "# JPKI suite 3: VERIFY and the security state (card reference §verify, §security-state, §decision-verify, §decision-security-state)", c)

# ---------------------------------------------------------------- 04 change reference data
c = []
ch = lambda cid, t, b, attrs="disposable", needs=(): c.append(case(cid, t, b, "card reference §change-reference-data", attrs, needs))
ch("CRD-001", "change without VERIFY answers 6982", f"{SELECT_AP} => 9000\n{sel('0018')}\n0024018004 39393939 => 6982", "", needs=["AUTH_PIN"])
ch("CRD-002", "change the auth PIN, the old one then fails and the new one works", f"{SELECT_AP} => 9000\n{sel('0018')}\n00200080 04 $AUTH_PIN => 9000\n0024018004 39393939 => 9000\n{SELECT_AP} => 9000\n00200098 04 $AUTH_PIN => 63C2\n00200098 04 39393939 => 9000")
ch("CRD-003", "a 3-digit auth PIN is refused with 6A80", f"{SELECT_AP} => 9000\n00200098 04 $AUTH_PIN => 9000\n0024019803 393939 => 6A80", "")
ch("CRD-004", "a non-digit auth PIN is refused with 6A80", f"{SELECT_AP} => 9000\n00200098 04 $AUTH_PIN => 9000\n0024019804 39413939 => 6A80", "")
ch("CRD-005", "P1 00 (old and new value) is refused with 6A86", f"{SELECT_AP} => 9000\n00200098 04 $AUTH_PIN => 9000\n0024009804 39393939 => 6A86", "")
ch("CRD-006", "CHANGE REFERENCE DATA without data is wrong length", f"{SELECT_AP} => 9000\n00200098 04 $AUTH_PIN => 9000\n00240198 => 6700", "")
ch("CRD-007", "change the sign password", f"{SELECT_AP} => 9000\n0020009B ${{len(SIGN_PW):1}} $SIGN_PW => 9000\n0024019B 08 4E45575057313233 => 9000\n{SELECT_AP} => 9000\n0020009B 08 4E45575057313233 => 9000")
for i, (bad, why) in enumerate([("414243444546", "letters only"), ("313233343536", "digits only"), ("6162633132", "lower case and 5 long"), ("41423132", "4 characters"), ("4142434445464748494A4B4C4D4E4F3132", "17 characters")], 8):
    ch(f"CRD-{i:03}", f"a sign password of {why} is refused with 6A80", f"{SELECT_AP} => 9000\n0020009B ${{len(SIGN_PW):1}} $SIGN_PW => 9000\n0024019B {len(bad)//2:02X} {bad} => 6A80", "")
ch("CRD-013", "CHANGE KEY (80 32) is not for the JPKI credentials: 6985", f"{SELECT_AP} => 9000\n00200098 04 $AUTH_PIN => 9000\n8032009804 39393939 => 6985", "")
ch("CRD-014", "CHANGE REFERENCE DATA on a non-credential EF: 6A88", f"{SELECT_AP} => 9000\n{sel('000A')}\n0024018004 39393939 => 6A88", "")
total += write(SUITE, "04-change.apdu", "# JPKI suite 4: CHANGE REFERENCE DATA (card reference §change-reference-data, §credentials)", c)

# ---------------------------------------------------------------- 05 signatures
c = []
DI = {"SHA-1": "3021300906052B0E03021A05000414", "SHA-256": "3031300D060960864801650304020105000420",
      "SHA-384": "3041300D060960864801650304020205000430", "SHA-512": "3051300D060960864801650304020305000440"}
HL = {"SHA-1": 20, "SHA-256": 32, "SHA-384": 48, "SHA-512": 64}
s = lambda cid, t, b, req="card reference §jpki-sign, §decision-signature", attrs="", needs=(): c.append(case(cid, t, b, req, attrs, needs))
def sig(p1, p2, data): return f"802A{p1:02X}{p2:02X} {len(data)//2:02X} {data} 00"
login = f"{SELECT_AP} => 9000\n00200098 04 $AUTH_PIN => 9000"
for i, name in enumerate(DI, 1):
    data = DI[name] + "5A" * HL[name]
    s(f"SIG-{i:03}", f"auth key signs a {name} DigestInfo (P1 00, P2 80 after SELECT 0017)", f"{login}\n{sel('0017')}\n{sig(0,0x80,data)} => [s:256] 9000")
for i, name in enumerate(DI, 5):
    data = DI[name] + "A5" * HL[name]
    s(f"SIG-{i:03}", f"auth key signs a {name} DigestInfo by SFI (P2 97)", f"{login}\n{sig(0,0x97,data)} => [s:256] 9000")
s("SIG-009", "sign key signs with the password (P2 9A)", f"{SELECT_AP} => 9000\n0020009B ${{len(SIGN_PW):1}} $SIGN_PW => 9000\n{sig(0,0x9A,DI['SHA-256']+'11'*32)} => [s:256] 9000")
s("SIG-010", "sign key after SELECT 001A (P2 80)", f"{SELECT_AP} => 9000\n0020009B ${{len(SIGN_PW):1}} $SIGN_PW => 9000\n{sel('001A')}\n{sig(0,0x80,DI['SHA-256']+'22'*32)} => [s:256] 9000")
s("SIG-011", "without the PIN the auth key answers 6982", f"{SELECT_AP} => 9000\n{sel('0017')}\n{sig(0,0x80,DI['SHA-256']+'33'*32)} => 6982")
s("SIG-012", "without the password the sign key answers 6982", f"{SELECT_AP} => 9000\n{sig(0,0x9A,DI['SHA-256']+'33'*32)} => 6982", needs=["SIGN_PW"])
s("SIG-013", "the auth PIN does not open the sign key", f"{login}\n{sig(0,0x9A,DI['SHA-256']+'33'*32)} => 6982", "card reference §decision-security-state", needs=["SIGN_PW"])
s("SIG-014", "the sign password does not open the auth key", f"{SELECT_AP} => 9000\n0020009B ${{len(SIGN_PW):1}} $SIGN_PW => 9000\n{sig(0,0x97,DI['SHA-256']+'33'*32)} => 6982", "card reference §decision-security-state")
for i, p1 in enumerate([1, 3, 5], 15):
    s(f"SIG-{i:03}", f"P1 {p1:02X}: the card hashes the message", f"{login}\n{sig(p1,0x97,'6D796E6173696D')} => [s:256] 9000", "card reference §jpki-sign")
s("SIG-018", "P1 02 takes a 32-byte hash", f"{login}\n{sig(2,0x97,'44'*32)} => [s:256] 9000", "card reference §jpki-sign")
s("SIG-019", "P1 04 (PSS) takes a 32-byte hash", f"{login}\n{sig(4,0x97,'44'*32)} => [s:256] 9000", "card reference §jpki-sign")
s("SIG-020", "P1 02 with 31 bytes is wrong length", f"{login}\n{sig(2,0x97,'44'*31)} => 6700", "card reference §jpki-sign")
s("SIG-021", "P1 04 with 33 bytes is wrong length", f"{login}\n{sig(4,0x97,'44'*33)} => 6700", "card reference §jpki-sign")
s("SIG-022", "P1 06 is refused", f"{login}\n{sig(6,0x97,'44'*32)} => 6A86")
s("SIG-023", "P1 80 is refused", f"{login}\n{sig(0x80,0x97,'44'*32)} => 6A86")
s("SIG-024", "245 bytes is the most P1 00 pads", f"{login}\n{sig(0,0x97,'01'*245)} => [s:256] 9000")
s("SIG-025", "246 bytes does not fit the padding: 6700", f"{login}\n{sig(0,0x97,'01'*246)} => 6700")
s("SIG-026", "no data is wrong length", f"{login}\n802A009700 => 6700")
s("SIG-027", "P2 80 with no current EF answers 6986", f"{login}\n{sig(0,0x80,'01'*20)} => 6986")
s("SIG-028", "P2 80 on a certificate EF answers 6A88", f"{login}\n{sel('000A')}\n{sig(0,0x80,'01'*20)} => 6A88")
s("SIG-029", "P2 naming the PIN EF answers 6A88", f"{login}\n{sig(0,0x98,'01'*20)} => 6A88")
s("SIG-030", "P2 00 (no default key in the JPKI AP) answers 6A86", f"{login}\n{sig(0,0x00,'01'*20)} => 6A86")
s("SIG-031", "P2 C0 answers 6A86", f"{login}\n{sig(0,0xC0,'01'*20)} => 6A86")
s("SIG-032", "Le shorter than the signature is wrong length", f"{login}\n802A0097 14 {'01'*20} 10 => 6700", "docs/fidelity.md")
s("SIG-033", "the signature needs CLA 80: CLA 00 answers 6D00", f"{login}\n002A0097 14 {'01'*20} 00 => 6D00", "card reference §decision-status-words")
s("SIG-034", "INTERNAL AUTHENTICATE is not answered by the JPKI keys", f"{login}\n00880097 04 01020304 00 => 6985", "card reference §internal-authenticate")
s("SIG-035", "a signature within 500 ms in-process", f"{login}\n{sig(0,0x97,DI['SHA-256']+'77'*32)} => [s:256] 9000 within 500ms", "harness timing")
total += write(SUITE, "05-sign.apdu", "# JPKI suite 5: COMPUTE DIGITAL SIGNATURE (card reference §jpki-sign, §decision-signature)", c)

# ---------------------------------------------------------------- 06 generic
c = []
g = lambda cid, t, b, req="card reference §decision-status-words", attrs="": c.append(case(cid, t, b, req, attrs))
for i, (apdu, sw, why) in enumerate([
        ("00CB3FFF00", "6D00", "unknown INS CB"), ("00DA000000", "6D00", "unknown INS DA (PUT DATA)"), ("00E2000000", "6D00", "unknown INS E2"),
        ("80A4040C0AD392F000260100000001", "6D00", "SELECT under CLA 80"), ("A0A4040C0AD392F000260100000001", "6E00", "CLA A0"),
        ("FFA4040C0AD392F000260100000001", "6E00", "CLA FF"), ("20B0000001", "6E00", "CLA 20"),
        ("01A4040C0AD392F000260100000001", "6881", "logical channel 1"), ("03B0000001", "6881", "logical channel 3"),
        ("40B0000001", "6881", "further interindustry class (channel 4)"), ("10A4040C0AD392F000260100000001", "6884", "command chaining"),
        ("08A4040C0AD392F000260100000001", "6882", "SM SELECT (CLA 08)"), ("0CA4040C0AD392F000260100000001", "6882", "SM SELECT (CLA 0C)"),
        ("0CB0000004", "69FC", "SM READ BINARY"), ("08200080", "69FC", "SM VERIFY"), ("80FC000000", "6D00", "last-command indicator 80 FC")], 1):
    g(f"GEN-{i:03}", f"{why} answers {sw}", f"{apdu} => {sw}")
n0 = len(c)
for i, (le, n) in enumerate([("01", 1), ("08", 8), ("10", 16), ("80", 128), ("FF", 255), ("00", 256)], n0 + 1):
    g(f"GEN-{i:03}", f"GET CHALLENGE of {n} bytes", f"008400{'00'}{le} => [r:{n}] 9000", "card reference §get-challenge")
n0 = len(c)
g(f"GEN-{n0+1:03}", "GET CHALLENGE with extended Le answers 6985", "00840000000010 => 6985", "card reference §get-challenge", "profile extended")
g(f"GEN-{n0+2:03}", "GET CHALLENGE with P1 01 answers 6A86", "0084010008 => 6A86", "card reference §get-challenge, §decision-status-words")
g(f"GEN-{n0+3:03}", "GET CHALLENGE without Le is wrong length", "00840000 => 6700", "card reference §get-challenge, §decision-status-words")
g(f"GEN-{n0+4:03}", "GET CHALLENGE inside the JPKI AP", f"{SELECT_AP} => 9000\n0084000008 => [r:8] 9000", "card reference §get-challenge")
g(f"GEN-{n0+5:03}", "two challenges differ", "0084000010 => [a:16] 9000\n0084000010 => [b:16] 9000\nexpect a = *", "card reference §get-challenge")
g(f"GEN-{n0+6:03}", "Lc smaller than the data is wrong length", "00A4040C02D392F00026 => 6700")
g(f"GEN-{n0+7:03}", "Lc larger than the data is wrong length", "00A4040C10D392 => 6700")
g(f"GEN-{n0+8:03}", "extended Lc with a short body is wrong length", "00A4040C00000AD392 => 6700")
g(f"GEN-{n0+9:03}", "READ RECORD on a transparent EF answers 6981", f"{SELECT_AP} => 9000\n{sel('0008')}\n00B2010400 => 6981", "card reference §read-record")
g(f"GEN-{n0+10:03}", "READ RECORD 'to the last' answers 6A81", f"{SELECT_AP} => 9000\n{sel('0008')}\n00B2010500 => 6A81", "card reference §read-record")
g(f"GEN-{n0+11:03}", "READ RECORD by the SFI of an absent EF answers 6A82", f"{SELECT_AP} => 9000\n00B2011C00 => 6A82", "card reference §read-record")
total += write(SUITE, "06-generic.apdu", "# JPKI suite 6: generic status words (card reference §decision-status-words), GET CHALLENGE, READ RECORD", c)

print(f"jpki suite: {total} cases")

# ---------------------------------------------------------------- known-answer vectors, one file per shipped persona
def openssl_sign(key, data):
    with tempfile.NamedTemporaryFile() as f:
        f.write(data); f.flush()
        # rsautl pads any input up to k-11 bytes (pkeyutl refuses inputs longer than a hash).
        r = subprocess.run(["openssl", "rsautl", "-sign", "-inkey", key, "-in", f.name],
                              capture_output=True)
        if r.returncode: raise SystemExit(r.stderr.decode())
        return r.stdout

def kat(persona_dir):
    name = os.path.basename(persona_dir)
    with open(os.path.join(persona_dir, "persona.yaml")) as f:
        persona = yaml.safe_load(f)
    card = persona["card"]
    serial = card["serialNumber"].encode().hex().upper()
    can_sign_auth = not card["faceAuthentication"]
    has_sign = card["signatureCertificate"] and not card["faceAuthentication"]
    this_card = f"call {name}"
    cases = []
    n = 0
    def add(title, body, req="card reference §jpki-sign"):
        nonlocal n
        n += 1
        cases.append(case(f"KAT-{name}-{n:03}", title, f"{this_card}\n{body}", req))
    messages = {"SHA-1": hashlib.sha1, "SHA-256": hashlib.sha256, "SHA-384": hashlib.sha384, "SHA-512": hashlib.sha512}
    auth_key, sign_key = os.path.join(persona_dir, "auth.key.pem"), os.path.join(persona_dir, "sign.key.pem")
    if can_sign_auth:
        for hname, fn in messages.items():
            msg = f"mynasim known-answer vector {hname}".encode()
            di = bytes.fromhex(DI[hname]) + fn(msg).digest()
            add(f"auth key, {hname} DigestInfo of '{msg.decode()}'", f"{login}\n{sig(0,0x97,H(di))} => {H(openssl_sign(auth_key, di))} 9000")
    if has_sign:
        for hname, fn in messages.items():
            msg = f"mynasim signature-key vector {hname}".encode()
            di = bytes.fromhex(DI[hname]) + fn(msg).digest()
            add(f"sign key, {hname} DigestInfo of '{msg.decode()}'",
                f"{SELECT_AP} => 9000\n0020009B ${{len(SIGN_PW):1}} $SIGN_PW => 9000\n{sig(0,0x9A,H(di))} => {H(openssl_sign(sign_key, di))} 9000")
    if can_sign_auth:
        msg = b"mynasim P1 sweep"
        h = hashlib.sha256(msg).digest()
        for p1, data, tbs in [(1, msg, h), (2, h, bytes.fromhex(DI["SHA-256"]) + h), (3, msg, bytes.fromhex(DI["SHA-256"]) + h)]:
            add(f"P1 {p1:02X} over '{msg.decode()}'", f"{login}\n{sig(p1,0x97,H(data))} => {H(openssl_sign(auth_key, tbs))} 9000")
    for fid, f in [("000A", "auth.pem"), ("000B", "auth-ca.pem"), ("0002", "sign-ca.pem")]:
        der = subprocess.run(["openssl", "x509", "-in", os.path.join(persona_dir, f), "-outform", "DER"], check=True, capture_output=True).stdout
        add(f"EF {fid} holds exactly {f}", f"{SELECT_AP} => 9000\n{sel(fid)}\nread-ef cert\nexpect cert = {H(der)}", "card reference §jpki-files")
    header = (f"# Known-answer vectors for vectors/personas/{name}, computed by the openssl CLI from its keys.\n"
              f"# Every case first assumes the card is that persona's (its serial number, GET DATA 45): on any other card\n"
              f"# the cases are not applicable.\n\nproc {name}\n  assume 00CA004500 => {serial} 9000\nend")
    write(KAT, f"{name}.apdu", header, cases)
    return len(cases)

for stale in glob.glob(os.path.join(KAT, "*.apdu")) + glob.glob(os.path.join(KAT, "include/*.apdu")):
    os.remove(stale)
if os.path.isdir(os.path.join(KAT, "include")): os.rmdir(os.path.join(KAT, "include"))
if os.path.exists(os.path.join(SUITE, "include/credentials.apdu")):
    os.remove(os.path.join(SUITE, "include/credentials.apdu"))
    os.rmdir(os.path.join(SUITE, "include"))
kats = {os.path.basename(d): kat(d) for d in sorted(glob.glob(os.path.join(PERSONAS, "*"))) if os.path.exists(os.path.join(d, "persona.yaml"))}
print("jpki-kat suite: " + ", ".join(f"{k} {v}" for k, v in kats.items()) + f" ({sum(kats.values())} cases)")
