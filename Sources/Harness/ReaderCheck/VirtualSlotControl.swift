import VirtualReader

/// The simulator behind one of mynasim's readers, as the checks drive it: its slot's state, card
/// insertion and removal, and faults. This is what automates the presence and robustness checks
/// that need a person at a real reader.
package protocol VirtualSlotControl {
    var slot: Int { get }
    func status() throws -> SlotStatus
    func remove() throws
    func insert(_ card: String) throws
    /// Replaces the slot's fault plan.
    func setFaults(_ faults: FaultPlan) throws
}

/// A slot of a running simulator, reached through its control socket (`MYNASIM_SOCKET`).
package struct SimulatorSlotControl: VirtualSlotControl {
    package let client: ControlClient
    package let slot: Int

    package init(socket: String, slot: Int) throws {
        client = ControlClient(address: try SocketAddress(socket))
        self.slot = slot
    }

    @discardableResult
    private func send(_ request: ControlRequest) throws -> ControlReply {
        let reply = try client.send(request)
        guard reply.ok else { throw ReaderError.controlFailed(reply.error ?? "the simulator refused the request") }
        return reply
    }

    package func status() throws -> SlotStatus {
        guard let status = try send(.status).status, status.slots.indices.contains(slot) else {
            throw ReaderError.noSuchSlot(slot, count: 0)
        }
        return status.slots[slot]
    }

    package func remove() throws { try send(.remove(slot: slot)) }
    package func insert(_ card: String) throws { try send(.insert(slot: slot, card: card)) }
    package func setFaults(_ faults: FaultPlan) throws { try send(.configure(slot: slot, profile: nil, faults: faults)) }
}
