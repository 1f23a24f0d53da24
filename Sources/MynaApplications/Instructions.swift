import ISO7816

/// The card's proprietary (CLA `80`, JICSAP, card reference §src-jicsap) instructions.
public enum ProprietaryInstruction {
    /// COMPUTE DIGITAL SIGNATURE `80 2A`.
    public static let computeDigitalSignature: UInt8 = 0x2A
    /// CHANGE KEY `80 32` (the 共通AP and 住基AP's PINs).
    public static let changeKey: UInt8 = 0x32
    /// SET SESSION KEY `80 AE` (secure messaging in the text AP, card reference §text-secure-messaging).
    public static let setSessionKey: UInt8 = 0xAE
    /// Terminal authentication with a CV certificate `80 A2` (card reference §jpki-terminal-auth).
    public static let verifyCertificate: UInt8 = 0xA2
}

/// What COMPUTE DIGITAL SIGNATURE's P1 asks the card to do with the data (card reference §jpki-sign, §decision-signature).
public enum SignatureInput: UInt8, Sendable, CaseIterable {
    /// Pad exactly the bytes given (hosts send a DigestInfo).
    case digestInfo = 0x00
    /// The card hashes with SHA-256 and pads the bare hash.
    case hashThenPadHash = 0x01
    /// The data is a SHA-256 hash; the card wraps it in a DigestInfo.
    case sha256Hash = 0x02
    /// sha256WithRSAEncryption over the message.
    case message = 0x03
    /// The data is a SHA-256 hash; RSASSA-PSS.
    case pssSHA256Hash = 0x04
    /// The card hashes; RSASSA-PSS.
    case pssMessage = 0x05
}

extension CommandAPDU {
    /// COMPUTE DIGITAL SIGNATURE `80 2A P1 P2 Lc data 00`: P2 `80` the current EF's key, `80|SFI` a
    /// key by short EF id, `00` the application's card key.
    public static func computeDigitalSignature(_ input: SignatureInput = .digestInfo, keyP2: UInt8, data: [UInt8]) -> CommandAPDU {
        CommandAPDU(cla: 0x80, ins: ProprietaryInstruction.computeDigitalSignature, p1: input.rawValue, p2: keyP2, data: data, ne: 256)
    }
}

/// DER DigestInfo prefixes the card and its verifiers use.
public enum DigestInfo {
    /// The SHA-256 AlgorithmIdentifier (RFC 8017 §9.2 note 1) without the outer SEQUENCE.
    public static let sha256Algorithm: [UInt8] = [0x30, 0x0D, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00]
    /// The DigestInfo prefix of a SHA-256 digest: `30 31 … 04 20`.
    public static let sha256Prefix: [UInt8] = [0x30, 0x31] + sha256Algorithm + [0x04, 0x20]

    /// A SHA-256 DigestInfo around `digest`.
    public static func sha256(_ digest: some Sequence<UInt8>) -> [UInt8] { sha256Prefix + digest }

    /// The visual AP's non-standard DigestInfo (card reference §visual-face-signature): the SHA-256 AlgorithmIdentifier over
    /// an OCTET STRING of three concatenated SHA-256 digests (`30 71 … 04 60 H1‖H2‖H3`).
    public static func threeDigests(_ digests: [[UInt8]]) -> [UInt8] {
        BERTLV(tag: 0x30, value: sha256Algorithm + BERTLV(tag: 0x04, value: digests.flatMap { $0 }).encoded()).encoded()
    }
}
