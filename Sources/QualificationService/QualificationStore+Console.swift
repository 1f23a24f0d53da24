import Foundation
import GRDB

/// A qualification check as the staff console lists it: the terminal's name and the check's
/// number at that terminal (1, 2, 3, … per terminal, counting only checks that got a result).
struct ConsoleCheck: Sendable, Hashable {
    var checkId: Int64
    /// ISO 8601 UTC, as stored.
    var checkedAt: String
    var terminalId: Int64?
    var terminalName: String?
    /// The check's number at its terminal.
    var number: Int
    var method: String?
    var result: String
    var personName: String?
}

extension QualificationStore {
    /// Checks with a result, numbered per terminal in the order they were made.
    private static let numberedChecks = """
        WITH numbered AS (
            SELECT id, time, terminal_id, method, result, person_id,
                   ROW_NUMBER() OVER (PARTITION BY terminal_id ORDER BY id) AS number
            FROM audit WHERE endpoint = 'POST /api/qualifications' AND result IS NOT NULL)
        SELECT numbered.*, person.name AS person_name, terminal.name AS terminal_name FROM numbered
        LEFT JOIN person ON person.id = numbered.person_id
        LEFT JOIN terminal ON terminal.id = numbered.terminal_id
        """

    /// The newest checks for the console, newest first.
    func consoleChecks(limit: Int) throws -> [ConsoleCheck] {
        try database.read { db in
            try Row.fetchAll(db, sql: Self.numberedChecks + " ORDER BY numbered.id DESC LIMIT ?", arguments: [limit]).map(Self.consoleCheck)
        }
    }

    /// One check for the console's result screen.
    func consoleCheck(_ id: Int64) throws -> ConsoleCheck? {
        try database.read { db in
            try Row.fetchOne(db, sql: Self.numberedChecks + " WHERE numbered.id = ?", arguments: [id]).map(Self.consoleCheck)
        }
    }

    private static func consoleCheck(_ row: Row) -> ConsoleCheck {
        ConsoleCheck(
            checkId: row["id"], checkedAt: row["time"], terminalId: row["terminal_id"], terminalName: row["terminal_name"],
            number: row["number"], method: row["method"], result: row["result"], personName: row["person_name"])
    }
}
