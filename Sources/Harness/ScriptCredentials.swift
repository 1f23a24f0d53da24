import ISO7816

/// A value given from outside that the card refused the first time a VERIFY sent it.
package struct CredentialRefusal: Sendable, Equatable {
    package var name: String
    package var status: StatusWord
    /// The case and place of that VERIFY.
    package var caseID: String
    package var location: SourceLocation

    /// What it means, in words: a wrong value, or a credential the card has blocked.
    package var reason: String {
        let noun = ScriptVariables.catalog[name]?.noun ?? "value"
        if let left = status.retriesLeft {
            return "the \(noun) given for \(name) is not this card's: \(status) after the first VERIFY (\(left) "
                + "\(left == 1 ? "try" : "tries") left)"
        }
        return "the card says \(name)'s \(noun) is blocked (\(status) \(status.meaning))"
    }

    /// The reason, as the failing case reports it.
    package var explanation: String { reason + "; the remaining cases that need it are skipped" }

    /// The reason once more at the end of a run, with the number of cases skipped for it.
    package func summary(skipped: Int) -> String {
        "\(location) (\(caseID)): \(reason); \(skipped) case\(skipped == 1 ? " that needs it was" : "s that need it were") skipped"
    }
}

/// Which values given from outside the card has accepted or refused during a run. A value refused
/// on its first use is not this card's: it is reported once and never sent again in the run.
package final class CredentialLedger {
    private var acceptedNames: Set<String> = []
    private var refusals: [String: CredentialRefusal] = [:]
    private var order: [String] = []

    package init() {}

    /// The refusals, in the order they happened.
    package var refused: [CredentialRefusal] { order.compactMap { refusals[$0] } }

    func accepted(_ names: [String]) { acceptedNames.formUnion(names) }

    func wasAccepted(_ name: String) -> Bool { acceptedNames.contains(name) }

    func refused(_ refusal: CredentialRefusal) {
        guard refusals[refusal.name] == nil else { return }
        refusals[refusal.name] = refusal
        order.append(refusal.name)
    }

    /// The first refused value among `names`.
    func refusal(among names: Set<String>) -> CredentialRefusal? {
        order.first { names.contains($0) }.flatMap { refusals[$0] }
    }
}
