/// The 12-digit Individual Number (個人番号): 11 digits and a check digit.
public enum MyNumber {
    /// The check digit for the first 11 digits (Ministerial Ordinance on the Individual Number, art. 5).
    public static func checkDigit(for first11: [Int]) -> Int {
        precondition(first11.count == 11)
        var sum = 0
        for n in 1...11 {
            let p = first11[11 - n]
            let q = n <= 6 ? n + 1 : n - 5
            sum += p * q
        }
        let remainder = sum % 11
        return remainder <= 1 ? 0 : 11 - remainder
    }

    /// Why `text` is not a valid My Number, or nil if it is.
    public static func problem(with text: String) -> String? {
        guard text.count == 12, text.allSatisfy({ $0.isASCII && $0.isNumber }) else {
            return "a My Number is 12 ASCII digits, got '\(text)'"
        }
        let digits = text.compactMap { $0.wholeNumberValue }
        let expected = checkDigit(for: Array(digits.prefix(11)))
        guard digits[11] == expected else {
            return "check digit of My Number '\(text)' is \(digits[11]), expected \(expected) (the last digit must be \(expected))"
        }
        return nil
    }

    /// A random valid My Number (for generated test personas).
    public static func random<R: RandomNumberGenerator>(using rng: inout R) -> String {
        var digits = (0..<11).map { _ in Int.random(in: 0...9, using: &rng) }
        if digits[0] == 0 { digits[0] = 1 }
        digits.append(checkDigit(for: digits))
        return digits.map(String.init).joined()
    }
}
