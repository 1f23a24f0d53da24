import ISO7816
import MynaApplications
import MynaCard
import MynaPersona

/// A variable a script can be given from outside: by a persona (`--card`, `--persona`), on the
/// command line (`--let`) or at a prompt (`--ask`). docs/script-format.md lists them.
package struct KnownVariable: Sendable {
    package var name: String
    /// What it is, for messages and the documentation.
    package var meaning: String
    /// The card's rule for the value when it is a credential (a VERIFY sends it).
    package var credential: CredentialPolicy?
    /// How people call a value of this kind: "PIN", "password", "verification number", "key".
    package var noun: String
}

/// The values given to scripts from outside, and for the known variables without a value, why.
package struct ScriptVariables: Sendable {
    package var values: [String: [UInt8]] = [:]
    /// Known variables that have no value, and why (e.g. "the card has no signature certificate").
    package var absent: [String: String] = [:]

    package init() {}

    /// Every variable a persona gives, in the order the documentation lists them.
    package static let known: [KnownVariable] = [
        .init(name: "AUTH_PIN", meaning: "利用者証明用電子証明書 暗証番号, the JPKI authentication PIN", credential: JPKIApplication.authPIN, noun: "PIN"),
        .init(
            name: "SIGN_PW", meaning: "署名用電子証明書 パスワード, the JPKI signature password", credential: JPKIApplication.signPassword,
            noun: "password"),
        .init(name: "TEXT_PIN", meaning: "券面事項入力補助用 暗証番号, the text AP PIN", credential: TextApplication.pin, noun: "PIN"),
        .init(name: "RESIDENT_PIN", meaning: "住民基本台帳用 暗証番号, the 共通AP and 住基AP PIN", credential: CommonApplication.pin, noun: "PIN"),
        .init(
            name: "MY_NUMBER", meaning: "個人番号, 照合番号A (verification number A)", credential: TextApplication.verificationA,
            noun: "verification number"),
        .init(
            name: "VERIFICATION_B", meaning: "照合番号B (verification number B: era birth date, expiry year, security code)",
            credential: TextApplication.verificationB, noun: "verification number"),
        .init(
            name: "BIRTH_KEY", meaning: "生年月日 key: the birth date as Japanese-era YYMMDD", credential: VisualApplication.birthDateKey,
            noun: "birth-date key"),
        .init(name: "BIRTH_DATE", meaning: "the birth date as the card stores it, YYYYMMDD", credential: nil, noun: "value"),
        .init(name: "EXPIRY", meaning: "the card's expiry date, YYYYMMDD (GET DATA F2)", credential: nil, noun: "value"),
        .init(name: "SECURITY_CODE", meaning: "the 4-digit security code printed on the card", credential: nil, noun: "value"),
        .init(name: "SERIAL_NUMBER", meaning: "the chip's 15-digit serial number (GET DATA 45)", credential: nil, noun: "value"),
        .init(
            name: "SEX", meaning: "the ISO 5218 sex digit (1 male, 2 female, 9 not applicable, 0 unknown)", credential: nil, noun: "value"),
        .init(name: "NAME", meaning: "氏名, the name as UTF-8", credential: nil, noun: "value"),
        .init(name: "ADDRESS", meaning: "住所, the address as UTF-8", credential: nil, noun: "value"),
        .init(name: "ATR", meaning: "the answer to reset", credential: nil, noun: "value"),
    ]

    /// The known variables by name.
    package static let catalog: [String: KnownVariable] = Dictionary(uniqueKeysWithValues: known.map { ($0.name, $0) })

    /// What a persona's card gives: its credentials (those the card can use) and its data.
    package init(persona: Persona) {
        let card = persona.card
        func text(_ name: String, _ value: String) { values[name] = Array(value.utf8) }
        if card.faceAuthentication {
            for name in ["AUTH_PIN", "TEXT_PIN"] { absent[name] = "a face-authentication card's PINs are blocked from issue" }
        } else {
            text("AUTH_PIN", persona.credentials.authPIN)
            text("TEXT_PIN", persona.credentials.textPIN)
        }
        if card.hasSignatureCertificate {
            text("SIGN_PW", persona.credentials.signPassword)
        } else {
            absent["SIGN_PW"] = "the card has no signature certificate (and so no signature password)"
        }
        text("RESIDENT_PIN", persona.credentials.residentPIN)
        text("MY_NUMBER", persona.myNumber)
        text("VERIFICATION_B", persona.verificationNumberB)
        text("BIRTH_KEY", String(persona.verificationNumberB.prefix(6)))
        text("BIRTH_DATE", persona.birthDate.compact)
        text("EXPIRY", card.expiry.compact)
        text("SECURITY_CODE", card.securityCode)
        text("SERIAL_NUMBER", card.serialNumber)
        text("SEX", persona.sex.code)
        text("NAME", persona.name)
        text("ADDRESS", persona.address)
        values["ATR"] = card.atr.bytes
    }

    /// Adds a `--let` assignment: `NAME=HEX` (hex digits, spaces allowed) or `NAME="text"` (the
    /// quotes part of the argument, so a shell needs `'NAME="text"'`).
    package mutating func assign(_ argument: String) throws(VariableError) {
        guard let equals = argument.firstIndex(of: "=") else { throw .notAnAssignment(argument) }
        let name = String(argument[..<equals])
        let raw = String(argument[argument.index(after: equals)...])
        guard ScriptParser.isName(name) else { throw .badName(argument, name) }
        let bytes: [UInt8]
        if raw.count >= 2, raw.hasPrefix("\""), raw.hasSuffix("\"") {
            bytes = Array(raw.dropFirst().dropLast().utf8)
        } else {
            let hex = raw.filter { $0 != " " }
            guard !hex.isEmpty, hex.count.isMultiple(of: 2), let decoded = try? Hex.decode(hex) else { throw .notHex(argument, raw) }
            bytes = decoded
            // `--let AUTH_PIN="1234"` reaches us as AUTH_PIN=1234 once the shell has removed the
            // quotes: as hex that is 12 34, which is not a PIN. Say so rather than send it.
            if let policy = Self.catalog[name]?.credential, !policy.format.accepts(bytes), policy.format.accepts(Array(raw.utf8)) {
                throw .shellAteQuotes(name: name, raw: raw, format: policy.format)
            }
        }
        try Self.check(name, bytes)
        values[name] = bytes
        absent[name] = nil
    }

    /// Sets `name` to typed text (`--ask`).
    package mutating func set(_ name: String, text: String) throws(VariableError) {
        guard ScriptParser.isName(name) else { throw .badName(name, name) }
        let bytes = Array(text.utf8)
        try Self.check(name, bytes)
        values[name] = bytes
        absent[name] = nil
    }

    /// A credential in a format the card refuses is never sent: a real card might count it as a try.
    static func check(_ name: String, _ bytes: [UInt8]) throws(VariableError) {
        guard let known = catalog[name], let policy = known.credential, !policy.format.accepts(bytes) else { return }
        throw .wrongFormat(name: name, meaning: known.meaning, format: policy.format)
    }
}

/// A mistake in a variable given on the command line.
package enum VariableError: Error, Hashable, Sendable, CustomStringConvertible {
    case notAnAssignment(String)
    case badName(String, String)
    case notHex(String, String)
    case shellAteQuotes(name: String, raw: String, format: CredentialFormat)
    case wrongFormat(name: String, meaning: String, format: CredentialFormat)
    case noTerminal(String)

    package var description: String {
        switch self {
        case .notAnAssignment(let argument):
            return "--let '\(argument)': expected NAME=HEX (e.g. AUTH_PIN=31323334) or 'NAME=\"text\"' (e.g. 'AUTH_PIN=\"1234\"')"
        case .badName(let argument, let name):
            return "--let '\(argument)': '\(name)' is not a variable name (letters, digits and _, not starting with a digit)"
        case .notHex(let argument, let raw):
            return "--let '\(argument)': '\(raw)' is neither hex (an even number of hex digits) nor quoted text; "
                + "for text write the quotes into the argument: '\(argument.prefix { $0 != "=" })=\"\(raw)\"'"
        case .shellAteQuotes(let name, let raw, let format):
            return "--let \(name)=\(raw): read as hex this is not \(format) as the card wants; for the text \(raw) write "
                + "--let '\(name)=\"\(raw)\"' (the shell removes quotes that are not themselves quoted) or its hex, "
                + "--let \(name)=\(Hex.encode(Array(raw.utf8)))"
        case .wrongFormat(let name, let meaning, let format):
            return "\(name) (\(meaning)) must be \(format); a card refuses other values, and a real card may count the try"
        case .noTerminal(let name):
            return "--ask \(name) needs a terminal to type into (standard input is not one); give the value with --let instead"
        }
    }
}
