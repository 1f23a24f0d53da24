/// Names a credential (PIN, password or other reference data) on the card, e.g. `jpki.auth-pin`.
/// Used as the key of the durable state file, so it never changes once shipped.
public struct CredentialID: Hashable, Sendable, Codable, CustomStringConvertible, ExpressibleByStringLiteral {
    public var rawValue: String
    public init(_ rawValue: String) { self.rawValue = rawValue }
    public init(stringLiteral value: String) { self.rawValue = value }
    public init(from decoder: Decoder) throws { rawValue = try decoder.singleValueContainer().decode(String.self) }
    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(rawValue)
    }
    public var description: String { rawValue }
}

/// A credential's fixed definition: its retry limit, the format a new value must have, and how
/// it may be changed.
public struct Credential: Sendable {
    public var id: CredentialID
    /// The value at issue (ASCII bytes as the host sends them).
    public var initialValue: [UInt8]
    /// Tries allowed before the credential blocks.
    public var maxTries: Int
    /// What a new value must look like.
    public var format: CredentialFormat
    /// How a host changes the value after verifying it.
    public var change: ChangeCommand
    /// Whether the credential is blocked from issue (e.g. text AP `0012`, face-authentication cards).
    public var blockedAtIssue: Bool

    /// The command that changes this credential.
    public enum ChangeCommand: Sendable, Hashable {
        /// CHANGE REFERENCE DATA `00 24 01 80|SFI`.
        case changeReferenceData
        /// JICSAP CHANGE KEY `80 32 00 80|SFI`.
        case changeKey
        /// Cannot be changed by a host.
        case none
    }

    public init(
        id: CredentialID, initialValue: [UInt8], maxTries: Int, format: CredentialFormat,
        change: ChangeCommand = .changeReferenceData, blockedAtIssue: Bool = false
    ) {
        self.id = id
        self.initialValue = initialValue
        self.maxTries = maxTries
        self.format = format
        self.change = change
        self.blockedAtIssue = blockedAtIssue
    }
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
        switch self {
        case .digits(let n):
            return value.count == n && value.allSatisfy { (0x30...0x39).contains($0) }
        case .alphanumericPassword(let min, let max):
            let isDigit: (UInt8) -> Bool = { (0x30...0x39).contains($0) }
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
