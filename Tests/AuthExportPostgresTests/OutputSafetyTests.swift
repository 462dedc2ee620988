import AuthExport
import Foundation
import Testing

@testable import AuthExportSQLite

@testable import AuthExportPostgres

/// What authx prints cannot be driven by an archive or leak a password (issue 16, items 5 and 6): the built binary,
/// real archives, a real PostgreSQL server.
@Suite struct OutputSafetyTests {
    typealias Outcome = CommandLineDefectTests.Outcome

    /// A table name that erases the line and prints a fake "OK" on a terminal, then splits the line twice.
    static let hostileTable = "t\u{1B}[2K\u{1B}[1Gfake: OK\nnext line\rcarriage\u{9B}31m"
    static let hostileColumn = "c\u{1B}]0;title\u{07}\u{202E}x"

    /// An archive whose names carry terminal escapes, a newline and a CR, with a dangling foreign key (a restore
    /// fails naming the tables) and a CHECK off the allow-list (a restore notes it, naming the table).
    static func hostileArchive(_ dir: TempDir, dangling: Bool) throws -> String {
        let archive = dir.file(dangling ? "dangling.authx.gz" : "names.authx.gz")
        let parent = TableSchema(
            name: hostileTable, columns: [Column(name: hostileColumn, type: .integer, nullable: false)],
            primaryKey: [hostileColumn],
            checks: [CheckConstraint(name: "ck\u{1B}[31m\nINJECTED victim;", expression: "setval('s', 1) IS NOT NULL")])
        let child = TableSchema(
            name: "child\u{1B}[8m", columns: [Column(name: "id", type: .integer, nullable: false), Column(name: "p", type: .integer)],
            primaryKey: ["id"],
            foreignKeys: [ForeignKey(
                name: "fk\r\u{1B}[2K", columns: ["p"], referencedTable: hostileTable, referencedColumns: [hostileColumn])])
        try TestArchives.write(
            archive, [(parent, [[.integer(1)]]), (child, [[.integer(1), .integer(dangling ? 2 : 1)]])])
        return archive
    }

    /// No control character reaches the terminal, and no line of the output starts with what followed a line break
    /// or a CR inside a name (but in a SQLite plan, whose SQL keeps a line break inside a quoted identifier: SQLite
    /// has no escaped spelling of identifiers).
    static func expectNoRawControls(
        _ outcome: Outcome, _ what: String, sqlKeepsLineBreaks: Bool = false, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        for (stream, text) in [("stdout", outcome.stdout), ("stderr", outcome.stderr)] {
            let raw = text.unicodeScalars.filter { $0 != "\n" && $0 != "\t" && DisplayText.needsEscape($0) }
            #expect(raw.isEmpty, "\(what): \(stream) holds raw control characters \(raw.map { $0.value })",
                sourceLocation: sourceLocation)
            for line in text.split(separator: "\n") where !sqlKeepsLineBreaks || line.hasPrefix("--") {
                #expect(!line.hasPrefix("next line") && !line.hasPrefix("INJECTED"),
                    "\(what): a name's line break split the output: \(line)", sourceLocation: sourceLocation)
            }
        }
    }

    @Test func namesWithTerminalEscapesAreEscapedInEveryMessage() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let good = try Self.hostileArchive(dir, dangling: false)
        let dangling = try Self.hostileArchive(dir, dangling: true)
        let authx = CommandLineDefectTests.authx

        let inspect = try authx(["inspect", good], nil, nil)
        #expect(inspect.status == 0, "\(inspect.stderr)")
        #expect(inspect.stdout.contains("t\\x1b[2K\\x1b[1Gfake: OK\\nnext line\\rcarriage\\x9b31m"), "\(inspect.stdout)")
        Self.expectNoRawControls(inspect, "inspect")

        // Errors: a dangling foreign key into SQLite and PostgreSQL; notes: the CHECK left out.
        let sqlite = try authx(["restore", dangling, "--to", dir.file("d.db")], nil, nil)
        #expect(sqlite.status == 1, "\(sqlite.stderr)")
        Self.expectNoRawControls(sqlite, "SQLite restore error")
        let db = try TestDatabase()
        defer { db.drop() }
        let failed = try authx(["restore", dangling, "--to", db.url], nil, nil)
        #expect(failed.status == 1, "\(failed.stderr)")
        #expect(failed.stderr.contains("\\x1b"), "the error should name the table: \(failed.stderr)")
        Self.expectNoRawControls(failed, "PostgreSQL restore error")
        let restored = try authx(["restore", good, "--to", db.url], nil, nil)
        #expect(restored.status == 0, "\(restored.stderr)")
        #expect(restored.stderr.contains("note: "), "\(restored.stderr)")
        Self.expectNoRawControls(restored, "PostgreSQL restore notes")
        #expect(try db.value("SELECT count(*) FROM pg_class WHERE relname = $1", [Self.hostileTable]) == "1")

        // Plans: comments escaped; the PostgreSQL plan spells the names U&"…" and still creates the same table.
        let sqlitePlan = try authx(["restore", good, "--to", dir.file("plan.db"), "--dry-run"], nil, nil)
        #expect(sqlitePlan.status == 0, "\(sqlitePlan.stderr)")
        Self.expectNoRawControls(sqlitePlan, "SQLite plan", sqlKeepsLineBreaks: true)
        let pgPlan = try authx(["restore", good, "--to", db.url, "--dry-run", "--clean"], nil, nil)
        #expect(pgPlan.status == 0, "\(pgPlan.stderr)")
        #expect(pgPlan.stdout.contains("U&\"t\\001b[2K"), "\(pgPlan.stdout)")
        Self.expectNoRawControls(pgPlan, "PostgreSQL plan")

        // --json: JSON-escaped, and the exact name comes back from the document.
        let json = try authx(["inspect", good, "--json"], nil, nil)
        Self.expectNoRawControls(json, "inspect --json")
        let document = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        let tables = document?["tables"] as? [[String: Any]]
        let first = (tables?.first?["table"] as? [String: Any])?["name"] as? String
        #expect(first == Self.hostileTable, "\(json.stdout)")
        let failedJSON = try authx(["restore", dangling, "--to", dir.file("j.db"), "--json"], nil, nil)
        #expect(failedJSON.status == 1)
        Self.expectNoRawControls(failedJSON, "restore --json error")
        #expect((try? JSONSerialization.jsonObject(with: Data(failedJSON.stdout.utf8))) != nil, "\(failedJSON.stdout)")
    }

    static let password = "S3cretPW-q7z"

    /// Neither the password nor any recognisable part of it is printed.
    static func expectNoPassword(_ outcome: Outcome, _ what: String, sourceLocation: SourceLocation = #_sourceLocation) {
        for (stream, text) in [("stdout", outcome.stdout), ("stderr", outcome.stderr)] {
            #expect(!text.contains(password) && !text.contains("S3cretPW"), "\(what): \(stream) shows the password: \(text)",
                sourceLocation: sourceLocation)
        }
    }

    /// A URL or keyword string with a password, where a path goes and where a database goes, in failing and
    /// succeeding commands, with and without --json: the password never appears.
    @Test func passwordsOfURLArgumentsAreNeverPrinted() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let authx = CommandLineDefectTests.authx
        let good = try Self.hostileArchive(dir, dangling: false)
        let dangling = try Self.hostileArchive(dir, dangling: true)
        let db = try TestDatabase()
        defer { db.drop() }
        // The test server trusts local connections: a password in the URL is accepted and ignored.
        let withPassword = db.url.replacingOccurrences(of: "://postgres@", with: "://postgres:\(Self.password)@")
        #expect(withPassword.contains(Self.password), "unexpected test URL \(db.url)")
        let unreachable = "postgresql://app:\(Self.password)@127.0.0.1:1/auth"
        let keywords = "host=127.0.0.1 port=1 dbname=auth user=app password=\(Self.password)"
        let quotedKeywords = "host=127.0.0.1 port=1 dbname=auth password='\(Self.password) x'"
        let sqlite = dir.file("src.db")
        let connection = try SQLiteConnection(path: sqlite, mode: .create)
        try connection.execute("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO users VALUES (1, 'a')")
        try connection.close()

        var runs: [(String, [String])] = []
        for url in [unreachable, keywords, quotedKeywords] {
            runs += [
                ("verify URL", ["verify", url]), ("verify --json URL", ["verify", "--json", url]),
                ("inspect URL", ["inspect", url]), ("restore URL", ["restore", url, "--to", dir.file("x.db")]),
                ("export URL URL", ["export", url, url]), ("export -o URL", ["export", sqlite, "-o", url]),
                ("export URL -o file", ["export", url, "-o", dir.file("e.authx.gz")]),
                ("restore --to unreachable", ["restore", good, "--to", url]),
                ("restore --to unreachable --json", ["restore", good, "--to", url, "--json"]),
                ("verify --against unreachable", ["verify", good, "--against", url]),
            ]
        }
        runs += [
            ("restore --to (fails)", ["restore", dangling, "--to", withPassword]),
            ("restore --to --json (fails)", ["restore", dangling, "--to", withPassword, "--json"]),
            ("restore --to", ["restore", good, "--to", withPassword]),
            ("restore --to --dry-run", ["restore", good, "--to", withPassword, "--dry-run", "--clean"]),
            ("restore --to=URL --json", ["restore", good, "--to=\(withPassword)", "--json", "--clean"]),
            ("verify --against (same)", ["verify", good, "--against", withPassword]),
            ("verify --against --json (differs)", ["verify", dangling, "--against", withPassword, "--json"]),
            ("verify --against (differs)", ["verify", dangling, "--against", withPassword]),
            ("export from PostgreSQL", ["export", withPassword, "-o", dir.file("pg.authx.gz")]),
            ("export from PostgreSQL --json", ["export", withPassword, "-o", dir.file("pg2.authx.gz"), "--json"]),
            ("diff URL", ["diff", good, withPassword]),
        ]
        var outcomes: [String: Int32] = [:]
        for (what, arguments) in runs {
            let outcome = try authx(arguments, dir.path, nil)
            outcomes[what] = outcome.status
            Self.expectNoPassword(outcome, what)
        }
        // The succeeding ones did succeed (the password is masked, not the command broken).
        for what in ["restore --to", "restore --to --dry-run", "restore --to=URL --json", "verify --against (same)",
            "export from PostgreSQL"] {
            #expect(outcomes[what] == 0, "\(what) exited \(outcomes[what] ?? -1)")
        }
    }

    /// The masking function alone: URL userinfo of any scheme, `password=` plain and quoted, known secrets.
    @Test func maskingCoversURLsKeywordsAndKnownSecrets() {
        #expect(ConnectionTarget.maskingPasswords(in: "cannot open mysql://u:pw1@h/db: no") == "cannot open mysql://u:***@h/db: no")
        #expect(ConnectionTarget.maskingPasswords(in: "x host=h password='a b' user=u") == "x host=h password='***' user=u")
        #expect(ConnectionTarget.maskingPasswords(in: "{\"to\":\"postgresql://h/d?password=zz&x=1\"}")
            == "{\"to\":\"postgresql://h/d?password=***&x=1\"}")
        #expect(ConnectionTarget.maskingPasswords(in: "path postgresql:/u:hunter2@h", secrets: ["hunter2"])
            == "path postgresql:/u:***@h")
        #expect(ConnectionTarget.maskingPasswords(in: "no secret here: postgresql://u@h/d") == "no secret here: postgresql://u@h/d")
    }

    /// The unit: every escape visible, idempotent, nothing else touched.
    @Test func displayTextEscapesControlsOnly() {
        #expect(DisplayText.escaped("a\u{1B}[2Kb\nc\rd\te\u{7F}\u{85}\u{202E}ü") == "a\\x1b[2Kb\\nc\\rd\\te\\x7f\\x85\\u{202e}ü")
        #expect(DisplayText.escaped("plain \\x1b name") == "plain \\x1b name")
        #expect(DisplayText.escaped("a\nb\tc\rd", keepingLineBreaks: true) == "a\nb\tc\\rd")
        #expect(DisplayText.sqlComment("x\nDROP TABLE y;") == "-- x\\nDROP TABLE y;")
    }
}
