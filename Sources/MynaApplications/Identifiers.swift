import ISO7816

/// A 2-byte file identifier. Files `0001`…`001E` are also reachable by short EF identifier.
public typealias FileID = UInt16

extension FileID {
    /// The short EF identifier (`0001`…`001E`), or nil.
    public var shortIdentifier: UInt8? { (1...0x1E).contains(self) ? UInt8(self) : nil }

    /// The P2 of VERIFY, CHANGE REFERENCE DATA and the key commands naming this file by short EF
    /// identifier (`80|SFI`), or nil when the file has none.
    public var referenceP2: UInt8? { shortIdentifier.map { 0x80 | $0 } }

    /// The identifier as four uppercase hex digits, e.g. `000A`.
    public var hex: String { Hex.encode([UInt8(self >> 8), UInt8(self & 0xFF)]) }
}

/// Names a credential (PIN, password or other reference data) on the card, e.g. `jpki.auth-pin`.
/// It is the key of the durable state file, so it never changes once shipped.
public struct CredentialID: Hashable, Sendable, Codable, CustomStringConvertible {
    public var rawValue: String
    public init(_ rawValue: String) { self.rawValue = rawValue }
    public init(from decoder: any Decoder) throws { rawValue = try decoder.singleValueContainer().decode(String.self) }
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
    public var description: String { rawValue }
}

/// What the card enforces for one credential: where it lives, how many tries it allows, the shape
/// of a new value and the command that changes it.
public struct CredentialPolicy: Hashable, Sendable {
    public var id: CredentialID
    /// The internal EF holding it: VERIFY names it by `80|SFI` or as the current EF.
    public var file: FileID
    /// Tries allowed before the credential blocks.
    public var maxTries: Int
    /// What a value must look like.
    public var format: CredentialFormat
    /// How a host changes the value after verifying it.
    public var change: ChangeCommand
    /// For people: the card's Japanese name with an English gloss.
    public var label: String

    public init(id: CredentialID, file: FileID, maxTries: Int, format: CredentialFormat, change: ChangeCommand, label: String) {
        self.id = id
        self.file = file
        self.maxTries = maxTries
        self.format = format
        self.change = change
        self.label = label
    }

    /// The VERIFY P2 that names this credential by short EF identifier.
    public var verifyP2: UInt8 { file.referenceP2 ?? 0x80 }
}

/// The command that changes a credential.
public enum ChangeCommand: Sendable, Hashable {
    /// CHANGE REFERENCE DATA `00 24 01 80|SFI`.
    case changeReferenceData
    /// JICSAP CHANGE KEY `80 32 00 80|SFI` (card reference §change-key).
    case changeKey
    /// Cannot be changed by a host.
    case none
}

/// The allowed shape of a credential value.
public enum CredentialFormat: Sendable, Hashable, CustomStringConvertible {
    /// Exactly `n` ASCII digits.
    case digits(Int)
    /// `min`…`max` characters of `A–Z0–9` with at least one letter and one digit (the JPKI
    /// signature password).
    case alphanumericPassword(min: Int, max: Int)

    /// Whether `value` has this format.
    public func accepts(_ value: [UInt8]) -> Bool {
        let isDigit: (UInt8) -> Bool = { (0x30...0x39).contains($0) }
        switch self {
        case .digits(let n):
            return value.count == n && value.allSatisfy(isDigit)
        case .alphanumericPassword(let min, let max):
            let isLetter: (UInt8) -> Bool = { (0x41...0x5A).contains($0) }
            return (min...max).contains(value.count)
                && value.allSatisfy { isDigit($0) || isLetter($0) }
                && value.contains(where: isDigit) && value.contains(where: isLetter)
        }
    }

    public var description: String {
        switch self {
        case .digits(let n): return "\(n) digits"
        case .alphanumericPassword(let min, let max):
            return "\(min)–\(max) characters of A–Z and 0–9 with at least one letter and one digit"
        }
    }
}

/// Which verified credentials open an operation.
public enum AccessRule: Sendable, Hashable {
    /// No credential needed.
    case always
    /// Never allowed (`6982`).
    case never
    /// Allowed when any one of these credentials is verified in the current session.
    case anyOf(Set<CredentialID>)

    /// Whether `verified` satisfies this rule.
    public func isSatisfied(by verified: Set<CredentialID>) -> Bool {
        switch self {
        case .always: return true
        case .never: return false
        case .anyOf(let ids): return !ids.isDisjoint(with: verified)
        }
    }

    /// Open with any one of these credentials.
    public static func anyOf(_ policies: CredentialPolicy...) -> AccessRule { .anyOf(Set(policies.map(\.id))) }
}

/// Card operations that use a private key.
public enum KeyOperation: Sendable, Hashable {
    /// COMPUTE DIGITAL SIGNATURE `80 2A`.
    case computeDigitalSignature
    /// INTERNAL AUTHENTICATE `00 88`.
    case internalAuthenticate
}
