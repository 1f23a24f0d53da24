import MynaApplications
import MynaCard

/// A test person and their card, as written in `persona.yaml`. Everything the card carries is
/// derived from this (plus the keys and certificates stored beside it).
public struct Persona: Codable, Hashable, Sendable {
    /// 氏名: family and given name separated by U+3000.
    public var name: String
    /// Kana reading of the name.
    public var nameKana: String
    /// 住所 as printed on the card.
    public var address: String
    /// Romaji of the address for the signature certificate's two `L=` attributes.
    public var addressRomaji: AddressRomaji
    public var birthDate: CalendarDate
    public var sex: Sex
    /// 個人番号, 12 digits with a valid check digit.
    public var myNumber: String
    /// 5-digit municipality code (全国地方公共団体コード without the check digit).
    public var municipalityCode: String
    public var card: CardFacts
    public var credentials: Credentials
    /// The health-insurance qualification the mock qualification service knows (optional).
    public var insurance: Insurance?

    /// Prefecture and city in romaji (e.g. `Tokyo-to`, `Chiyoda-ku`).
    public struct AddressRomaji: Codable, Hashable, Sendable {
        public var prefecture: String
        public var city: String
        public init(prefecture: String, city: String) {
            self.prefecture = prefecture
            self.city = city
        }
    }

    /// ISO 5218 sex codes as the card stores them.
    public enum Sex: String, Codable, Hashable, Sendable, CaseIterable {
        case male, female, notApplicable, unknown
        /// The digit on the card.
        public var code: String {
            switch self {
            case .male: return "1"
            case .female: return "2"
            case .notApplicable: return "9"
            case .unknown: return "0"
            }
        }
        /// For people.
        public var japanese: String {
            switch self {
            case .male: return "男"
            case .female: return "女"
            case .notApplicable, .unknown: return "—"
            }
        }
    }

    /// Facts about the plastic card and its chip.
    public struct CardFacts: Codable, Hashable, Sendable {
        /// The day the card and its certificates were issued.
        public var issued: CalendarDate
        /// 有効期限 printed on the card.
        public var expiry: CalendarDate
        /// 4-digit セキュリティコード printed under the photo.
        public var securityCode: String
        /// The chip's 15-digit serial number (製造番号).
        public var serialNumber: String
        /// Which ATR the card answers with (card reference §decision-atr).
        public var atr: CardATR
        /// Extended-length APDUs accepted (card reference §decision-extended-length).
        public var extendedLength: Bool
        /// 顔認証マイナンバーカード: no PINs, no signature certificate (card reference §decision-face-auth).
        public var faceAuthentication: Bool
        /// Whether the card carries a signature certificate (not for minors under 15 by default).
        public var signatureCertificate: Bool

        public init(
            issued: CalendarDate, expiry: CalendarDate, securityCode: String, serialNumber: String, atr: CardATR = .jpki,
            extendedLength: Bool = true, faceAuthentication: Bool = false, signatureCertificate: Bool = true
        ) {
            self.issued = issued
            self.expiry = expiry
            self.securityCode = securityCode
            self.serialNumber = serialNumber
            self.atr = atr
            self.extendedLength = extendedLength
            self.faceAuthentication = faceAuthentication
            self.signatureCertificate = signatureCertificate
        }

        /// The card holds a signature key, password and certificate.
        public var hasSignatureCertificate: Bool { signatureCertificate && !faceAuthentication }
    }

    /// The PINs and passwords set at issue (test data: stored in clear on purpose).
    public struct Credentials: Codable, Hashable, Sendable {
        /// 利用者証明用電子証明書 暗証番号 (JPKI `0018`), 4 digits.
        public var authPIN: String
        /// 署名用電子証明書 パスワード (JPKI `001B`), 6–16 of A–Z0–9.
        public var signPassword: String
        /// 券面事項入力補助用 暗証番号 (text AP `0011`), 4 digits.
        public var textPIN: String
        /// 住民基本台帳用 暗証番号 (共通AP and 住基AP `001C`), 4 digits.
        public var residentPIN: String

        public init(authPIN: String, signPassword: String, textPIN: String, residentPIN: String) {
            self.authPIN = authPIN
            self.signPassword = signPassword
            self.textPIN = textPIN
            self.residentPIN = residentPIN
        }
    }

    public init(
        name: String, nameKana: String, address: String, addressRomaji: AddressRomaji, birthDate: CalendarDate,
        sex: Sex, myNumber: String, municipalityCode: String, card: CardFacts, credentials: Credentials, insurance: Insurance? = nil
    ) {
        self.name = name
        self.nameKana = nameKana
        self.address = address
        self.addressRomaji = addressRomaji
        self.birthDate = birthDate
        self.sex = sex
        self.myNumber = myNumber
        self.municipalityCode = municipalityCode
        self.card = card
        self.credentials = credentials
        self.insurance = insurance
    }

    /// The credential formats, retry limits and the rules on persona values, checked on load.
    /// Each problem names the YAML key path it concerns.
    public func problems() -> [(path: [String], message: String)] {
        var out: [(path: [String], message: String)] = []
        if let problem = MyNumber.problem(with: myNumber) { out.append((["myNumber"], problem)) }
        let pin = CredentialFormat.digits(4)
        let password = CredentialFormat.alphanumericPassword(min: 6, max: 16)
        for (key, value, format) in [
            ("authPIN", credentials.authPIN, pin), ("signPassword", credentials.signPassword, password),
            ("textPIN", credentials.textPIN, pin), ("residentPIN", credentials.residentPIN, pin),
        ] where !format.accepts(Array(value.utf8)) {
            out.append((["credentials", key], "'\(value)' is not valid: must be \(format)"))
        }
        if !CredentialFormat.digits(4).accepts(Array(card.securityCode.utf8)) {
            out.append((["card", "securityCode"], "security code must be 4 digits, got '\(card.securityCode)'"))
        }
        if !CredentialFormat.digits(15).accepts(Array(card.serialNumber.utf8)) {
            out.append((["card", "serialNumber"], "serial number must be 15 digits, got '\(card.serialNumber)'"))
        }
        if !CredentialFormat.digits(5).accepts(Array(municipalityCode.utf8)) {
            out.append((["municipalityCode"], "municipality code must be 5 digits, got '\(municipalityCode)'"))
        }
        if !name.contains("\u{3000}") {
            out.append((["name"], "separate family and given name with an ideographic space (U+3000, 全角スペース)"))
        }
        if card.expiry <= card.issued { out.append((["card", "expiry"], "expiry \(card.expiry) is not after issue \(card.issued)")) }
        if birthDate >= card.issued { out.append((["birthDate"], "birth date \(birthDate) is not before issue \(card.issued)")) }
        out += (insurance?.problems() ?? []).map { (["insurance", $0.key], $0.message) }
        return out
    }

    /// 照合番号B: era `YYMMDD` birth date + expiry year + security code (card reference §verification-number-b).
    public var verificationNumberB: String {
        let era = birthDate.japaneseEra
        return String(format: "%02d%02d%02d", era.year, birthDate.month, birthDate.day)
            + String(format: "%04d", card.expiry.year) + card.securityCode
    }

    /// The electronic certificates' expiry: the 5th birthday after issue (card reference §jpki-end-entity-certificates).
    public var certificateExpiry: CalendarDate { birthDate.nthBirthday(5, after: card.issued) }
}
