import Foundation
import ISO7816
import MynaApplications
import MynaCard
import MynaPersona
import X509

/// How a persona is shown to people and machines.
enum PersonaReport {
    static func credentials(_ persona: Persona) -> String {
        let sign = persona.card.hasSignatureCertificate ? persona.credentials.signPassword : "— (no signature certificate)"
        let rows: [(CredentialPolicy, [CardApplicationID], String)] = [
            (JPKIApplication.authPIN, [.jpki], persona.credentials.authPIN),
            (JPKIApplication.signPassword, [.jpki], sign),
            (TextApplication.pin, [.text], persona.credentials.textPIN),
            (CommonApplication.pin, [.common, .juki], persona.credentials.residentPIN),
            (TextApplication.verificationB, [.text, .visual], persona.verificationNumberB),
        ]
        var lines = rows.map { policy, applications, value in
            "  \(policy.label) [\(applications.map(\.rawValue).joined(separator: "/")) \(policy.file.hex)]: \(value)"
        }
        if persona.card.faceAuthentication { lines.append("  (face-authentication card: the PINs answer as blocked)") }
        return "Credentials (test data):\n" + lines.joined(separator: "\n")
    }

    static func triesText(_ directory: PersonaDirectory, state: PersistentCardState?) -> [String] {
        let state = state ?? PersistentCardState()
        return directory.cardImage().credentials.map { credential in
            let left = state.triesLeft(credential)
            let changed = state.credentials[credential.id.rawValue]?.changedValue != nil ? ", changed" : ""
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
        lines += insurance(p.insurance)
        lines.append("Retry counters")
        lines += triesText(directory, state: state)
        lines.append(credentials(p))
        return lines.joined(separator: "\n")
    }

    /// The `insurance:` section (what the mock qualification service answers), or that there is none.
    static func insurance(_ insurance: Insurance?) -> [String] {
        guard let q = insurance else {
            return ["Insurance", "  none (no insurance: section; the qualification service answers 資格なし, no-qualification)"]
        }
        return [
            "Insurance (医療保険の資格, for the mock qualification service)",
            "  保険者 (insurer):   \(q.insurerNumber) \(q.insurerName)",
            "  記号・番号・枝番:   \(q.symbol)・\(q.number)・\(q.branch)  \(q.relationship.japanese) (\(q.relationship.rawValue))",
            "  負担割合 (co-pay):  \(q.copayRatio / 10)割 (\(q.copayRatio)%)",
            "  資格 (valid):       from \(q.validFrom)" + (q.validTo.map { " until \($0) (資格喪失日)" } ?? ", no end date")
                + (q.limitCategory.map { ", 限度額適用区分 \($0)" } ?? ""),
        ]
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
        let saved = state ?? PersistentCardState()
        let credentials = Dictionary(uniqueKeysWithValues: directory.cardImage().credentials.map { ($0.id.rawValue, saved.triesLeft($0)) })
        return try JSONOutput.string(
            Output(
                directory: directory.url.path, persona: directory.persona, verificationNumberB: directory.persona.verificationNumberB,
                certificates: certificates, credentials: credentials
            ))
    }
}
