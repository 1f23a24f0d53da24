import Crypto
import Glibc
import ISO7816
import MynaApplications

/// COMPUTE DIGITAL SIGNATURE, INTERNAL AUTHENTICATE and GET CHALLENGE (card reference §commands, §jpki-sign).
extension VirtualCard {
    /// The key P2 names: `80` current EF, `80|SFI` by short EF id, `00` the AP's default key.
    private func referencedKey(p2: UInt8) throws(CardRefusal) -> CardKey {
        let target: ElementaryFile?
        if p2 == 0x00 {
            guard let app = session.application, let fid = image.applications[app].defaultSigningKey else {
                throw CardRefusal(.incorrectP1P2)
            }
            target = file(fid)
        } else {
            target = try referencedFile(p2: p2)
        }
        guard let target, case .key(let key) = target.content else { throw CardRefusal(.referencedDataNotFound) }
        return key
    }

    /// The key, checked for the operation and the security state. A key behind an unverified
    /// credential answers `6982` before anything else is revealed.
    private func usableKey(p2: UInt8, for operation: KeyOperation) throws(CardRefusal) -> CardKey {
        let key = try referencedKey(p2: p2)
        guard key.useAccess.isSatisfied(by: session.verified) else { throw CardRefusal(.securityStatusNotSatisfied) }
        guard key.operations.contains(operation) else { throw CardRefusal(.conditionsOfUseNotSatisfied) }
        return key
    }

    mutating func computeDigitalSignature(_ command: CommandAPDU) throws(CardRefusal) -> [UInt8] {
        guard let input = SignatureInput(rawValue: command.p1) else { throw CardRefusal(.incorrectP1P2) }
        let key = try usableKey(p2: command.p2, for: .computeDigitalSignature)
        guard !command.data.isEmpty else { throw CardRefusal(.wrongLength) }
        if let ne = command.ne, ne < key.key.modulusLength { throw CardRefusal(.wrongLength) }
        let data = command.data
        do {
            switch input {
            case .digestInfo:
                return try key.key.signPKCS1v15(data)
            case .hashThenPadHash:
                return try key.key.signPKCS1v15(Array(SHA256.hash(data: data)))
            case .sha256Hash:
                guard data.count == 32 else { throw CardRefusal(.wrongLength) }
                return try key.key.signPKCS1v15(DigestInfo.sha256(data))
            case .message:
                return try key.key.signPKCS1v15(DigestInfo.sha256(SHA256.hash(data: data)))
            case .pssSHA256Hash:
                guard data.count == 32 else { throw CardRefusal(.wrongLength) }
                return try key.key.signPSS(sha256Digest: data)
            case .pssMessage:
                return try key.key.signPSS(sha256Digest: Array(SHA256.hash(data: data)))
            }
        } catch let refusal as CardRefusal {
            throw refusal
        } catch RSAOperationError.inputLength {
            throw CardRefusal(.wrongLength)
        } catch {
            throw CardRefusal(.noPreciseDiagnosis)
        }
    }

    mutating func internalAuthenticate(_ command: CommandAPDU) throws(CardRefusal) -> [UInt8] {
        guard command.p1 == 0x00 else { throw CardRefusal(.incorrectP1P2) }
        let key = try usableKey(p2: command.p2, for: .internalAuthenticate)
        guard command.case == .case4, (1...255).contains(command.data.count) else { throw CardRefusal(.wrongLength) }
        do {
            return try key.key.signPKCS1v15(DigestInfo.sha256(SHA256.hash(data: command.data)))
        } catch {
            throw CardRefusal(.noPreciseDiagnosis)
        }
    }

    mutating func getChallenge(_ command: CommandAPDU) throws(CardRefusal) -> [UInt8] {
        guard command.p1 == 0, command.p2 == 0 else { throw CardRefusal(.incorrectP1P2) }
        guard command.case == .case2, let ne = command.ne else { throw CardRefusal(.wrongLength) }
        guard !command.isExtended else { throw CardRefusal(.conditionsOfUseNotSatisfied) }
        // arc4random_buf: the C library's ChaCha20 generator, seeded and reseeded from the kernel; no
        // system call per challenge.
        var bytes = [UInt8](repeating: 0, count: ne)
        bytes.withUnsafeMutableBytes { if let base = $0.baseAddress { arc4random_buf(base, ne) } }
        return bytes
    }
}

extension VirtualCard: CardChannel {
    public mutating func transmit(_ command: [UInt8]) -> [UInt8] { process(command) }
}
