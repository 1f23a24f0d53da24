import Foundation
import ISO7816
import MynaCard
import MynaPersona
import X509

/// How a persona is shown to people and machines.
enum PersonaReport {
    static func credentials(_ persona: Persona) -> String {
        var lines = [
            "  利用者証明用 PIN (auth, JPKI 0018):       \(persona.credentials.authPIN)",
            "  署名用 password (sign, JPKI 001B):       \(persona.card.hasSignatureCertificate ? persona.credentials.signPassword : "— (no signature certificate)")",
            "  券面事項入力補助用 PIN (text AP 0011):    \(persona.credentials.textPIN)",
            "  住民基本台帳用 PIN (共通AP/住基AP 001C):  \(persona.credentials.residentPIN)",
            "  照合番号B:                                \(persona.verificationNumberB)",
        ]
        if persona.card.faceAuthentication { lines.append("  (face-authentication card: the PINs answer as blocked)") }
        return "Credentials (test data):\n" + lines.joined(separator: "\n")
    }

    static func triesText(_ directory: PersonaDirectory, state: PersistentCardState?) -> [String] {
        directory.cardImage().credentials.map { credential in
            let saved = state?.credentials[credential.id.rawValue]
            let left = saved?.triesLeft ?? (credential.blockedAtIssue ? 0 : credential.maxTries)
            let changed = saved?.changedValue != nil ? ", changed" : ""
            let blocked = left == 0 ? " (blocked)" : ""
            return "  \(credential.id): \(left)/\(credential.maxTries) tries left\(blocked)\(changed)"
        }
    }

    static func text(_ directory: PersonaDirectory, state: PersistentCardState?) -> String {
        let p = directory.persona
        let era = p.birthDate.japaneseEra
        let formatter = ISO8601DateFormatter()
        var lines = [
            "Persona \(directory.url.path)",
            "  氏名 (name):        \(p.name)  (\(p.nameKana))",
            "  住所 (address):     \(p.address)",
            "  生年月日 (born):    \(p.birthDate)  (\(era.era.kanji)\(era.year)年\(p.birthDate.month)月\(p.birthDate.day)日)",
            "  性別 (sex):         \(p.sex.japanese) (\(p.sex.rawValue), code \(p.sex.code))",
            "  個人番号:           \(p.myNumber)",
            "  市町村コード:       \(p.municipalityCode)",
            "Card",
            "  issued \(p.card.issued), expires \(p.card.expiry), security code \(p.card.securityCode), serial \(p.card.serialNumber)",
            "  ATR \(p.card.atr.rawValue): \(Hex.encode(p.card.atr.bytes, separator: " "))",
            "  extended length: \(p.card.extendedLength ? "yes" : "no (short-only)")"
                + (p.card.faceAuthentication ? ", face-authentication card" : "")
                + (p.card.hasSignatureCertificate ? "" : ", no signature certificate"),
            "Certificates",
            "  auth: \(directory.authCertificate.subject)  valid \(formatter.string(from: directory.authCertificate.notValidBefore)) – \(formatter.string(from: directory.authCertificate.notValidAfter))",
        ]
        if let sign = directory.signCertificate {
            lines.append("  sign: \(sign.subject)  valid until \(formatter.string(from: sign.notValidAfter))")
        }
        lines.append("  issuer: \(directory.authCA.subject)")
        lines.append("Retry counters")
        lines += triesText(directory, state: state)
        lines.append(credentials(p))
        return lines.joined(separator: "\n")
    }

    static func json(_ directory: PersonaDirectory, state: PersistentCardState?) throws -> String {
        struct Output: Encodable {
            var directory: String
            var persona: Persona
            var verificationNumberB: String
            var certificates: [String: String]
            var credentials: [String: Int]
        }
        var certificates = [
            "auth": directory.authCertificate.subject.description, "authCA": directory.authCA.subject.description,
        ]
        certificates["sign"] = directory.signCertificate?.subject.description
        var credentials: [String: Int] = [:]
        for credential in directory.cardImage().credentials {
            credentials[credential.id.rawValue] = state?.credentials[credential.id.rawValue]?.triesLeft
                ?? (credential.blockedAtIssue ? 0 : credential.maxTries)
        }
        return try JSONOutput.string(Output(
            directory: directory.url.path, persona: directory.persona, verificationNumberB: directory.persona.verificationNumberB,
            certificates: certificates, credentials: credentials
        ))
    }
}
