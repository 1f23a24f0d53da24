import Foundation
import MynaApplications
import MynaCard
import SwiftASN1
import X509

/// Reading and writing keys and certificates, with private keys kept at mode 0600.
enum PEMFiles {
    static func makeDirectory(_ url: URL) throws(PersonaError) {
        do {
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        } catch {
            throw .cannotWrite(url.path, reason: FileProblem.writing(url.path, error))
        }
    }

    static func writeText(_ text: String, to url: URL, mode: mode_t) throws(PersonaError) {
        do {
            try DurableFile.write(Data(text.utf8), to: url, mode: mode)
            chmod(url.path, mode)
        } catch {
            throw .cannotWrite(url.path, reason: error.description)
        }
    }

    static func readText(_ url: URL) throws(PersonaError) -> String {
        do {
            return try String(contentsOf: url, encoding: .utf8)
        } catch {
            throw .missingFile(url.path, reason: FileProblem.reading(url.path, error))
        }
    }

    static func writeKey(_ key: RSAPrivateKey, to url: URL) throws(PersonaError) {
        try writeText(key.pemRepresentation + "\n", to: url, mode: 0o600)
    }

    static func readKey(_ url: URL) throws(PersonaError) -> RSAPrivateKey {
        // git does not keep file modes: a cloned key is tightened back to 0600 on first use.
        var info = stat()
        if stat(url.path, &info) == 0, info.st_mode & 0o077 != 0 { chmod(url.path, 0o600) }
        let text = try readText(url)
        do {
            return try RSAPrivateKey(pemRepresentation: text)
        } catch {
            throw .badCryptoMaterial(
                file: url.path, reason: "not an RSA private key in PEM (a BEGIN PRIVATE KEY or BEGIN RSA PRIVATE KEY block)")
        }
    }

    static func writeCertificate(_ certificate: Certificate, to url: URL) throws(PersonaError) {
        do {
            try writeText(certificate.serializeAsPEM().pemString + "\n", to: url, mode: 0o644)
        } catch let error as PersonaError {
            throw error
        } catch {
            throw .cannotWrite(url.path, reason: "the certificate could not be encoded as PEM")
        }
    }

    static func readCertificate(_ url: URL) throws(PersonaError) -> Certificate {
        let text = try readText(url)
        do {
            return try Certificate(pemEncoded: text)
        } catch {
            throw .badCryptoMaterial(file: url.path, reason: "not an X.509 certificate in PEM (a BEGIN CERTIFICATE block)")
        }
    }
}

extension Certificate {
    /// The DER encoding, as the card stores it.
    public var derBytes: [UInt8] {
        var serializer = DER.Serializer()
        try! serializer.serialize(self)
        return serializer.serializedBytes
    }
}
