import CPCSCLite

extension PCSCError {
    /// The card left the reader (`SCARD_W_REMOVED_CARD`): a command sent meanwhile got no answer.
    package var cardWasRemoved: Bool {
        if case .call(_, let code, _) = self { return code == UInt32(truncatingIfNeeded: SCARD_W_REMOVED_CARD) }
        return false
    }
}
