import MynaApplications

/// A credential as issued on one card: the card's policy for it, its value at issue, and whether
/// it is blocked from issue (text AP `0012`, the PINs of a face-authentication card).
public struct Credential: Sendable {
    public var policy: CredentialPolicy
    /// The value at issue (ASCII bytes as the host sends them).
    public var initialValue: [UInt8]
    /// Whether the credential is blocked from issue.
    public var blockedAtIssue: Bool

    public init(_ policy: CredentialPolicy, initialValue: [UInt8], blockedAtIssue: Bool = false) {
        self.policy = policy
        self.initialValue = initialValue
        self.blockedAtIssue = blockedAtIssue
    }

    public var id: CredentialID { policy.id }
    public var maxTries: Int { policy.maxTries }
}
