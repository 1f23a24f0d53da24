/// What came of asking the user for one PIN on the keypad.
public enum PINEntryResult: Hashable, Sendable {
    case entered([UInt8])
    case cancelled
    case timedOut
}

/// Collects one PIN from key presses (sans-IO): digits up to the maximum (extra digits are ignored,
/// as PIN pads do), backspace and clear, and the validation conditions of bEntryValidationCondition.
/// The validation key is ignored while fewer than the minimum digits are typed.
public struct PINEntry: Hashable, Sendable {
    public let minimumDigits: Int
    public let maximumDigits: Int
    /// bEntryValidationCondition: 1 = maximum size reached, 2 = validation key, 4 = timeout.
    public let validation: UInt8
    public private(set) var digits: [UInt8] = []

    public init(minimumDigits: Int, maximumDigits: Int, validation: UInt8) {
        self.minimumDigits = minimumDigits
        self.maximumDigits = maximumDigits
        self.validation = validation
    }

    /// Applies one keypad event; returns the result once the entry is over.
    public mutating func apply(_ event: KeypadEvent) -> PINEntryResult? {
        switch event {
        case .timedOut:
            if validation & 0x04 != 0 && digits.count >= minimumDigits && !digits.isEmpty { return .entered(digits) }
            return .timedOut
        case .key(.cancel):
            return .cancelled
        case .key(.clear):
            digits.removeAll()
        case .key(.backspace):
            if !digits.isEmpty { digits.removeLast() }
        case .key(.enter):
            if validation & 0x02 != 0 && digits.count >= max(minimumDigits, 1) { return .entered(digits) }
        case .key(.digit(let d)):
            guard digits.count < maximumDigits else { return nil }
            digits.append(d)
            if validation & 0x01 != 0 && digits.count == maximumDigits { return .entered(digits) }
        }
        return nil
    }

    /// Runs an entry against `keypad` until a result or `deadline`.
    public static func collect(
        from keypad: (any Keypad)?, minimumDigits: Int, maximumDigits: Int, validation: UInt8, deadline: ContinuousClock.Instant
    ) -> PINEntryResult {
        var entry = PINEntry(minimumDigits: minimumDigits, maximumDigits: maximumDigits, validation: validation)
        guard let keypad else { return .timedOut }
        while true {
            let event = ContinuousClock.now < deadline ? keypad.nextKey(until: deadline) : .timedOut
            if let result = entry.apply(event) { return result }
        }
    }
}
