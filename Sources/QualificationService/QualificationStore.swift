import Crypto
import Foundation
import GRDB
import ISO7816
import MynaApplications
import MynaPersona
import QualificationAPI

/// The service's embedded SQLite database (GRDB): people and their qualifications seeded from
/// persona files, registered terminals, sessions, challenges, and the audit table of every request.
/// Secrets (terminal passwords, API keys, session tokens) are stored only as salted SHA-256 digests;
/// no PIN ever reaches the service.
package final class QualificationStore: Sendable {
    let database: DatabaseQueue

    /// Opens (or creates) the database at `path`; nil keeps it in memory.
    package init(path: String?) throws {
        database = try path.map { try DatabaseQueue(path: $0) } ?? DatabaseQueue()
        // Write-ahead logging: one fsync per audited request instead of a rollback journal's several.
        if path != nil { try database.writeWithoutTransaction { try $0.execute(sql: "PRAGMA journal_mode = WAL") } }
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.create(table: "person") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("certificate_serial", .text).notNull().unique()
                t.column("persona", .text).notNull()
                t.column("name", .text).notNull()
                t.column("kana", .text).notNull()
                t.column("birth_date", .text).notNull()
                t.column("sex", .text).notNull()
            }
            try db.create(table: "qualification") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("person_id", .integer).notNull().references("person", onDelete: .cascade)
                t.column("insurer_number", .text).notNull()
                t.column("insurer_name", .text).notNull()
                t.column("symbol", .text).notNull()
                t.column("number", .text).notNull()
                t.column("branch", .text).notNull()
                t.column("relationship", .text).notNull()
                t.column("copay_ratio", .integer).notNull()
                t.column("valid_from", .text).notNull()
                t.column("valid_to", .text)
                t.column("limit_category", .text)
            }
            try db.create(table: "terminal") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("name", .text).notNull()
                t.column("salt", .text).notNull()
                t.column("password_hash", .text).notNull()
                t.column("api_key_hash", .text).notNull().unique()
                t.column("created_at", .text).notNull()
            }
            try db.create(table: "session") { t in
                t.primaryKey("token_hash", .text)
                t.column("terminal_id", .integer).notNull().references("terminal")
                t.column("expires_at", .double).notNull()
            }
            try db.create(table: "challenge") { t in
                t.primaryKey("value", .text)
                t.column("terminal_id", .integer).notNull().references("terminal")
                t.column("issued_at", .double).notNull()
                t.column("used", .boolean).notNull().defaults(to: false)
            }
            try db.create(table: "audit") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("time", .text).notNull()
                t.column("endpoint", .text).notNull()
                t.column("http_status", .integer).notNull()
                t.column("terminal_id", .integer)
                t.column("method", .text)
                t.column("result", .text)
                t.column("certificate_serial", .text)
                t.column("person_id", .integer)
                t.column("response", .text)
            }
        }
        try migrator.migrate(database)
    }

    // MARK: People

    /// Seeds every persona directory under `directory` that has an insurance section (and the ones
    /// without, as people with no qualification); returns how many people were stored.
    @discardableResult
    package func seed(personasIn directory: URL, skipping: Set<String> = []) throws -> Int {
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
        var count = 0
        for name in names where !skipping.contains(name) {
            let url = directory.appendingPathComponent(name)
            guard FileManager.default.fileExists(atPath: url.appendingPathComponent(PersonaDirectory.FileName.persona).path) else {
                continue
            }
            let persona = try PersonaDirectory(url: url)
            try store(persona.persona, certificateSerial: CertificateValidator.serial(persona.authCertificate), label: name)
            count += 1
        }
        return count
    }

    /// Stores (or replaces) a person known by their authentication certificate's serial number.
    package func store(_ persona: Persona, certificateSerial: String, label: String) throws {
        try database.write { db in
            try db.execute(sql: "DELETE FROM person WHERE certificate_serial = ?", arguments: [certificateSerial])
            try db.execute(
                sql: "INSERT INTO person (certificate_serial, persona, name, kana, birth_date, sex) VALUES (?, ?, ?, ?, ?, ?)",
                arguments: [certificateSerial, label, persona.name, persona.nameKana, persona.birthDate.description, persona.sex.japanese])
            guard let insurance = persona.insurance else { return }
            try db.execute(
                sql: """
                    INSERT INTO qualification (person_id, insurer_number, insurer_name, symbol, number, branch, relationship, copay_ratio,
                                               valid_from, valid_to, limit_category) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    db.lastInsertedRowID, insurance.insurerNumber, insurance.insurerName, insurance.symbol, insurance.number,
                    insurance.branch, insurance.relationship.rawValue, insurance.copayRatio, insurance.validFrom.description,
                    insurance.validTo?.description, insurance.limitCategory,
                ])
        }
    }

    /// The person with this certificate serial, and their qualification record if any.
    package func person(certificateSerial: String) throws -> (id: Int64, info: PersonInfo, record: QualificationRecord?)? {
        try database.read { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM person WHERE certificate_serial = ?", arguments: [certificateSerial])
            else {
                return nil
            }
            let id: Int64 = row["id"]
            let info = PersonInfo(name: row["name"], kana: row["kana"], birthDate: row["birth_date"], sex: row["sex"])
            let record = try Row.fetchOne(db, sql: "SELECT * FROM qualification WHERE person_id = ?", arguments: [id]).map { q in
                QualificationRecord(
                    insurerNumber: q["insurer_number"], insurerName: q["insurer_name"], symbol: q["symbol"], number: q["number"],
                    branch: q["branch"], relationship: q["relationship"], copayRatio: q["copay_ratio"], validFrom: q["valid_from"],
                    validTo: q["valid_to"], limitCategory: q["limit_category"])
            }
            return (id, info, record)
        }
    }

    // MARK: Terminals, sessions, challenges

    static func digest(_ text: String) -> String { Hex.encode(Array(SHA256.hash(data: Array(text.utf8)))) }
    static func randomHex(_ bytes: Int) -> String { Hex.encode((0..<bytes).map { _ in UInt8.random(in: 0...255) }) }

    /// Registers a terminal; returns its id and API key (the key is not stored, only its digest).
    package func registerTerminal(name: String, password: String, at now: Date) throws -> TerminalCreated {
        let salt = Self.randomHex(16)
        let apiKey = Self.randomHex(32)
        let id = try database.write { db in
            try db.execute(
                sql: "INSERT INTO terminal (name, salt, password_hash, api_key_hash, created_at) VALUES (?, ?, ?, ?, ?)",
                arguments: [name, salt, Self.digest(salt + password), Self.digest(apiKey), now.iso8601])
            return db.lastInsertedRowID
        }
        return TerminalCreated(terminalId: id, apiKey: apiKey)
    }

    /// A session token for a terminal whose password matches, valid for `lifetime` seconds.
    package func login(terminal: Int64, password: String, at now: Date, lifetime: TimeInterval) throws -> LoginResponse? {
        try database.write { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT salt, password_hash FROM terminal WHERE id = ?", arguments: [terminal]) else {
                return nil
            }
            let salt: String = row["salt"]
            let hash: String = row["password_hash"]
            guard Self.digest(salt + password) == hash else { return nil }
            let token = Self.randomHex(32)
            let expires = now.addingTimeInterval(lifetime)
            try db.execute(
                sql: "INSERT INTO session (token_hash, terminal_id, expires_at) VALUES (?, ?, ?)",
                arguments: [Self.digest(token), terminal, expires.timeIntervalSince1970])
            return LoginResponse(token: token, expiresAt: expires.iso8601)
        }
    }

    /// Ends a session (signing out): its token no longer authenticates.
    package func endSession(token: String) throws {
        try database.write { db in
            try db.execute(sql: "DELETE FROM session WHERE token_hash = ?", arguments: [Self.digest(token)])
        }
    }

    /// The terminal a bearer token or API key belongs to.
    package func terminal(token: String?, apiKey: String?, at now: Date) throws -> Int64? {
        try database.read { db in
            if let token {
                return try Int64.fetchOne(
                    db, sql: "SELECT terminal_id FROM session WHERE token_hash = ? AND expires_at > ?",
                    arguments: [Self.digest(token), now.timeIntervalSince1970])
            }
            if let apiKey {
                return try Int64.fetchOne(db, sql: "SELECT id FROM terminal WHERE api_key_hash = ?", arguments: [Self.digest(apiKey)])
            }
            return nil
        }
    }

    package func issueChallenge(terminal: Int64, at now: Date) throws -> [UInt8] {
        let value = (0..<32).map { _ in UInt8.random(in: 0...255) }
        try database.write { db in
            try db.execute(
                sql: "INSERT INTO challenge (value, terminal_id, issued_at) VALUES (?, ?, ?)",
                arguments: [Hex.encode(value), terminal, now.timeIntervalSince1970])
        }
        return value
    }

    /// Why a challenge cannot be used, or nil when it is good (it is then used up).
    package enum ChallengeProblem: Sendable { case unknown, used, expired }

    package func consumeChallenge(_ value: [UInt8], terminal: Int64, at now: Date, lifetime: TimeInterval) throws -> ChallengeProblem? {
        try database.write { db in
            guard
                let row = try Row.fetchOne(
                    db, sql: "SELECT issued_at, used FROM challenge WHERE value = ? AND terminal_id = ?",
                    arguments: [Hex.encode(value), terminal])
            else { return .unknown }
            if row["used"] as Bool { return .used }
            let issued: Double = row["issued_at"]
            try db.execute(sql: "UPDATE challenge SET used = 1 WHERE value = ?", arguments: [Hex.encode(value)])
            return now.timeIntervalSince1970 - issued > lifetime ? .expired : nil
        }
    }

    // MARK: Audit

    /// One audited request. Never holds a PIN (none reaches the service).
    package struct AuditEntry: Sendable {
        package var endpoint: String
        package var status: Int
        package var terminal: Int64?
        package var method: String?
        package var result: String?
        package var certificateSerial: String?
        package var personID: Int64?
        /// A qualification check's answer; stored with the row's id as its `checkId`.
        package var check: QualificationResponse?
    }

    /// Writes one audit row (and a check's answer, numbered by the row) in one transaction.
    @discardableResult
    package func audit(_ entry: AuditEntry, at now: Date) throws -> Int64 {
        try database.write { db in
            try db.execute(
                sql: """
                    INSERT INTO audit (time, endpoint, http_status, terminal_id, method, result, certificate_serial, person_id)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    now.iso8601, entry.endpoint, entry.status, entry.terminal, entry.method,
                    entry.result, entry.certificateSerial, entry.personID,
                ])
            let id = db.lastInsertedRowID
            if var check = entry.check {
                check.checkId = id
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys]
                try db.execute(
                    sql: "UPDATE audit SET response = ? WHERE id = ?",
                    arguments: [String(decoding: try encoder.encode(check), as: UTF8.self), id])
            }
            return id
        }
    }

    /// Recent qualification checks, newest first.
    package func recentChecks(limit: Int) throws -> [CheckSummary] {
        try database.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT audit.id, audit.time, audit.terminal_id, audit.method, audit.result, person.name FROM audit
                    LEFT JOIN person ON person.id = audit.person_id
                    WHERE audit.endpoint = 'POST /api/qualifications' AND audit.result IS NOT NULL ORDER BY audit.id DESC LIMIT ?
                    """, arguments: [limit]
            ).map {
                CheckSummary(
                    checkId: $0["id"], checkedAt: $0["time"], terminalId: $0["terminal_id"], method: $0["method"], result: $0["result"],
                    name: $0["name"])
            }
        }
    }

    /// The stored answer of one check.
    package func check(_ id: Int64) throws -> QualificationResponse? {
        try database.read { db in
            try String.fetchOne(db, sql: "SELECT response FROM audit WHERE id = ? AND response IS NOT NULL", arguments: [id])
        }.flatMap { try? JSONDecoder().decode(QualificationResponse.self, from: Data($0.utf8)) }
    }

    /// Every audit row's columns, for tests and operators (`SELECT * FROM audit`).
    package func auditRows() throws -> [[String: String]] {
        try database.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM audit ORDER BY id").map { row in
                Dictionary(
                    uniqueKeysWithValues: row.columnNames.map { column -> (String, String) in
                        let value: DatabaseValue = row[column]
                        switch value.storage {
                        case .null: return (column, "")
                        case .int64(let n): return (column, "\(n)")
                        case .double(let d): return (column, "\(d)")
                        case .string(let s): return (column, s)
                        case .blob(let data): return (column, Hex.encode(Array(data)))
                        }
                    })
            }
        }
    }
}
