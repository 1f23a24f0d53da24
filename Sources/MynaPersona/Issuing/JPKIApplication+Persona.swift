import MynaApplications
import MynaCard

/// The JPKI AP of a persona's card: its keys, certificates and credentials.
extension JPKIApplication {
    /// The credentials with the persona's values. On a face-authentication card the PIN answers as
    /// blocked (card reference §decision-face-auth); without a signature certificate there is no password.
    static func credentials(for persona: Persona) -> [Credential] {
        var out = [
            Credential(authPIN, initialValue: Array(persona.credentials.authPIN.utf8), blockedAtIssue: persona.card.faceAuthentication)
        ]
        if persona.card.hasSignatureCertificate {
            out.append(Credential(signPassword, initialValue: Array(persona.credentials.signPassword.utf8)))
        }
        return out
    }

    /// The AP with the persona's files.
    static func make(_ directory: PersonaDirectory) -> Application {
        var contents: [FileID: FileSource] = [
            File.signCACertificate: .bytes(directory.signCA.derBytes),
            File.tokenInfo: .bytes(tokenInfo(serialNumber: directory.persona.card.serialNumber)),
            File.certificateAvailability: .bytes(certificateAvailability(hasSignatureCertificate: directory.signKey != nil)),
            File.unreadable: .bytes([UInt8](repeating: 0xFF, count: 16)),
            File.authCertificate: .bytes(directory.authCertificate.derBytes),
            File.authCACertificate: .bytes(directory.authCA.derBytes),
            File.authKey: .key(directory.authKey),
        ]
        if let signKey = directory.signKey, let signCertificate = directory.signCertificate {
            contents[File.signCertificate] = .bytes(signCertificate.derBytes)
            contents[File.signKey] = .key(signKey)
        }
        return Application(layout(hasSignatureCertificate: directory.signKey != nil), contents: contents)
    }
}
