extension PCSCError {
    /// The card left the reader (`SCARD_W_REMOVED_CARD`): a command sent meanwhile got no answer.
    package var cardWasRemoved: Bool { code == PCSCCodes.removedCard }
}
