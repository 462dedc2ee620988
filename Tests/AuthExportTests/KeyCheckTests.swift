import Foundation
import Testing

@testable import AuthExport

/// `ArchiveVerifier.Options.checkKeys` (`authx verify --keys`): duplicate keys and dangling references.
@Suite struct KeyCheckTests {
    static let users = #"{"kind":"table","name":"users","columns":[{"name":"id","type":"integer","nullable":false},{"name":"email","type":"text","nullable":false,"collation":"NOCASE"},{"name":"org","type":"text","nullable":true}],"primary_key":["id"],"unique":[{"name":"users_email_key","columns":["email"]}],"indexes":[{"name":"users_org_idx","columns":["org"],"unique":true}]}"#
    static let sessions = #"{"kind":"table","name":"sessions","columns":[{"name":"id","type":"integer","nullable":false},{"name":"user_id","type":"integer","nullable":true},{"name":"parent","type":"integer","nullable":true}],"primary_key":["id"],"foreign_keys":[{"columns":["user_id"],"references":{"table":"Users","columns":["id"]}},{"columns":["parent"],"references":{"table":"sessions","columns":[]}}]}"#

    static func verify(
        _ tables: [TestArchiveBuilder.Table], keys: Bool = true, stdin: Bool = false, maxProblems: Int = 20
    ) throws -> ArchiveVerifier.Report {
        let bytes = TestArchiveBuilder.build(tables)
        var options = ArchiveVerifier.Options()
        options.checkKeys = keys
        options.maxProblems = maxProblems
        if stdin { return try ArchiveVerifier(bytes: bytes, options: options).run() }
        let dir = try TemporaryDirectory()
        let path = dir.path + "/a.authx.gz"
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return try ArchiveVerifier(path: path, options: options).run()
    }

    static func problems(_ report: ArchiveVerifier.Report) -> [String] {
        report.problems.map {
            "\($0.code) \($0.location.table ?? "-") row \($0.location.row ?? 0) \($0.location.column ?? "-"): \($0.message)"
        }
    }

    static let goodUsers = [#"[1,"ada@example.com","a"]"#, #"[2,"bob@example.com",null]"#, #"[3,"cy@example.com",null]"#]
    static let goodSessions = [#"[10,1,null]"#, #"[11,2,10]"#, #"[12,null,11]"#, #"[13,1,12]"#]

    @Test(arguments: [false, true])
    func consistentKeysPass(stdin: Bool) throws {
        // Null org twice (NULLs are distinct in a unique index), a null reference, a
        // reference to a later row of the same table: all valid.
        let report = try Self.verify(
            [
                .init(name: "users", record: Self.users, memberRows: [Self.goodUsers]),
                .init(name: "sessions", record: Self.sessions, memberRows: [Self.goodSessions + [#"[14,3,15]"#, #"[15,3,null]"#]]),
            ], stdin: stdin)
        #expect(report.isValid, "\(Self.problems(report))")
    }

    @Test(arguments: [false, true])
    func duplicateKeysAreReportedAtTheirSecondRow(stdin: Bool) throws {
        let users = Self.goodUsers + [
            #"[2,"dan@example.com",null]"#,  // id again (row 4, first at row 2)
            #"[5,"ADA@example.com",null]"#,  // email again under NOCASE (row 5)
            #"[6,"eve@example.com","a"]"#,  // org again: the unique index (row 6)
            #"[7,"fay@example.com","A"]"#,  // org is not NOCASE: distinct
        ]
        let report = try Self.verify([.init(name: "users", record: Self.users, memberRows: [users])], stdin: stdin)
        #expect(!report.isValid)
        #expect(
            Self.problems(report) == [
                "duplicate_key users row 4 id: primary key (id) already holds this value (row 2)",
                "duplicate_key users row 5 email: UNIQUE users_email_key (email) already holds this value (row 1)",
                "duplicate_key users row 6 org: unique index users_org_idx (org) already holds this value (row 1)",
            ])
    }

    /// Composite keys: a foreign key naming the key's columns in another order (PostgreSQL accepts it), and one
    /// naming none (the primary key), before and after its parent table, from a file and from standard input.
    @Test(arguments: [false, true])
    func compositeReferencesMatchKeysWhateverTheColumnOrder(stdin: Bool) throws {
        let grants = #"{"kind":"table","name":"grants","columns":[{"name":"role","type":"text","nullable":false},{"name":"org","type":"integer","nullable":false},{"name":"scope","type":"text","nullable":false}],"primary_key":["role","org"],"unique":[{"columns":["scope","org"]}]}"#
        let uses = #"{"kind":"table","name":"uses","columns":[{"name":"id","type":"integer","nullable":false},{"name":"o","type":"integer","nullable":true},{"name":"s","type":"text","nullable":true},{"name":"r","type":"text","nullable":true}],"primary_key":["id"],"foreign_keys":[{"columns":["o","s"],"references":{"table":"grants","columns":["org","scope"]}},{"columns":["r","o"],"references":{"table":"grants","columns":[]}}]}"#
        let grantRows = [#"["admin",1,"all"]"#, #"["viewer",1,"read"]"#, #"["admin",2,"read"]"#]
        let useRows = [
            #"[1,1,"all","admin"]"#, #"[2,2,"read","admin"]"#,  // valid both ways
            #"[3,2,"all","viewer"]"#,  // (2, all) is no grant's (org, scope); (viewer, 2) no grant's key
            #"[4,1,"read","admin"]"#,  // valid: (1, read) and (admin, 1) exist, in different rows
        ]
        for order in [["grants", "uses"], ["uses", "grants"]] {
            let tables: [TestArchiveBuilder.Table] = order.map {
                $0 == "grants"
                    ? .init(name: "grants", record: grants, memberRows: [grantRows])
                    : .init(name: "uses", record: uses, memberRows: [useRows])
            }
            let report = try Self.verify(tables, stdin: stdin)
            #expect(
                Self.problems(report) == [
                    "dangling_reference uses row 3 o: foreign key (o, s) → grants (org, scope): no such row in grants",
                    "dangling_reference uses row 3 r: foreign key (r, o) → grants: no such row in grants",
                ], "\(order)")
        }
    }

    @Test(arguments: [false, true])
    func danglingReferencesAreReported(stdin: Bool) throws {
        let sessions = Self.goodSessions + [
            #"[14,4,null]"#,  // no user 4
            #"[15,1,99]"#,  // no session 99 (self reference, checked at the end)
        ]
        let report = try Self.verify(
            [
                .init(name: "users", record: Self.users, memberRows: [Self.goodUsers]),
                .init(name: "sessions", record: Self.sessions, memberRows: [sessions]),
            ], stdin: stdin)
        #expect(
            Self.problems(report) == [
                "dangling_reference sessions row 5 user_id: foreign key (user_id) → Users (id): no such row in Users",
                "dangling_reference sessions row 6 parent: foreign key (parent) → sessions: no such row in sessions",
            ])
    }

    @Test(arguments: [false, true])
    func aReferenceToALaterTableIsCheckedAtTheEnd(stdin: Bool) throws {
        let report = try Self.verify(
            [
                .init(name: "sessions", record: Self.sessions, memberRows: [[#"[10,1,null]"#, #"[11,7,null]"#]]),
                .init(name: "users", record: Self.users, memberRows: [Self.goodUsers]),
            ], stdin: stdin)
        #expect(
            Self.problems(report) == [
                "dangling_reference sessions row 2 user_id: foreign key (user_id) → Users (id): no such row in Users"
            ])
    }

    @Test func withoutTheOptionKeysAreNotChecked() throws {
        let users = Self.goodUsers + [#"[1,"x@example.com",null]"#]
        let report = try Self.verify([.init(name: "users", record: Self.users, memberRows: [users])], keys: false)
        #expect(report.isValid)
    }

    @Test func keyProblemsCountTowardsTheLimit() throws {
        let users = (0..<10).map { #"[1,"u\#($0)@example.com",null]"# }
        let report = try Self.verify([.init(name: "users", record: Self.users, memberRows: [users])], maxProblems: 3)
        #expect(report.problems.count == 3)
        #expect(report.problems.allSatisfy { $0.code == .duplicateKey })
    }

    @Test func keysSpanMembersAndRowProblemsDoNotShiftRowNumbers() throws {
        // A row that fails its type check is counted but not keyed; later rows keep their numbers.
        let first = Self.goodUsers
        let second = [#"["x","bad@example.com",null]"#, #"[1,"z@example.com",null]"#]
        let report = try Self.verify([.init(name: "users", record: Self.users, memberRows: [first, second])])
        #expect(
            Self.problems(report).map { $0.components(separatedBy: ":").first ?? "" } == [
                "type_mismatch users row 4 id", "duplicate_key users row 5 id",
            ])
    }
}
