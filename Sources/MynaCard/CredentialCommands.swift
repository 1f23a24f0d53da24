import ISO7816
import MynaApplications

/// VERIFY, CHANGE REFERENCE DATA and CHANGE KEY, with retry counters as card reference §decision-verify decides.
extension VirtualCard {
    /// Tries left for `id` (the durable value, or the limit for a fresh card).
    public func triesLeft(_ id: CredentialID) -> Int {
        image.credential(id).map { persistent.triesLeft($0) } ?? 0
    }

    /// Whether `id` is verified in the current session.
    public func isVerified(_ id: CredentialID) -> Bool { session.verified.contains(id) }

    func currentValue(_ credential: Credential) -> [UInt8] {
        persistent.credentials[credential.id.rawValue]?.changedValue.map { Array($0.utf8) } ?? credential.initialValue
    }

    /// The credential P2 names: `80` the current EF, `80|SFI` by short EF id.
    func referencedCredential(p2: UInt8) throws(CardRefusal) -> Credential {
        guard let target = try referencedFile(p2: p2), case .credential(let id) = target.content, let credential = image.credential(id)
        else {
            throw CardRefusal(.referencedDataNotFound)
        }
        return credential
    }

    mutating func verify(_ command: CommandAPDU) throws(CardRefusal) -> [UInt8] {
        guard command.p1 == 0x00 else { throw CardRefusal(.incorrectP1P2) }
        let credential = try referencedCredential(p2: command.p2)
        let left = triesLeft(credential.id)
        switch command.case {
        case .case1:
            // The retry query: never consumes a try, answers 63Cx even right after a success.
            throw CardRefusal(.retriesLeft(left))
        case .case3:
            guard left > 0 else { throw CardRefusal(.authenticationMethodBlocked) }
            if constantTimeEqual(command.data, currentValue(credential)) {
                if left != credential.maxTries {
                    try commit { $0.credentials[credential.id.rawValue, default: .init(triesLeft: left)].triesLeft = credential.maxTries }
                }
                session.verified.insert(credential.id)
                return []
            }
            // The decrement is durable before the status word leaves the card; when the write fails
            // (6581) nothing changes, the security state included.
            try commit { $0.credentials[credential.id.rawValue, default: .init(triesLeft: left)].triesLeft = left - 1 }
            session.verified.remove(credential.id)
            throw CardRefusal(.retriesLeft(left - 1))
        case .case2, .case4:
            throw CardRefusal(.wrongLength)
        }
    }

    mutating func changeReferenceData(_ command: CommandAPDU) throws(CardRefusal) -> [UInt8] {
        // P1 01: the data is the new value only (the old one was proven by VERIFY).
        guard command.p1 == 0x01 else { throw CardRefusal(.incorrectP1P2) }
        return try change(command, by: .changeReferenceData)
    }

    mutating func changeKey(_ command: CommandAPDU) throws(CardRefusal) -> [UInt8] {
        guard command.p1 == 0x00 else { throw CardRefusal(.incorrectP1P2) }
        return try change(command, by: .changeKey)
    }

    private mutating func change(_ command: CommandAPDU, by method: ChangeCommand) throws(CardRefusal) -> [UInt8] {
        let credential = try referencedCredential(p2: command.p2)
        guard command.case == .case3 else { throw CardRefusal(.wrongLength) }
        guard credential.policy.change == method else { throw CardRefusal(.conditionsOfUseNotSatisfied) }
        guard triesLeft(credential.id) > 0 else { throw CardRefusal(.authenticationMethodBlocked) }
        guard session.verified.contains(credential.id) else { throw CardRefusal(.securityStatusNotSatisfied) }
        guard credential.policy.format.accepts(command.data) else { throw CardRefusal(.incorrectData) }
        let value = String(decoding: command.data, as: UTF8.self)
        try commit { $0.credentials[credential.id.rawValue] = .init(triesLeft: credential.maxTries, changedValue: value) }
        return []
    }
}

/// Compares without an early exit, so timing does not reveal the matching prefix.
func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
    guard a.count == b.count else { return false }
    var diff: UInt8 = 0
    for i in a.indices { diff |= a[i] ^ b[i] }
    return diff == 0
}
