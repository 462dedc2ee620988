import AuthExport
import Foundation
import Synchronization
import Testing

@testable import AuthExportPostgres

/// `verify --against` on PostgreSQL: a restored database matches its archive; each kind of difference made in
/// the database afterwards is found and named.
@Suite struct VerifyAgainstTests {
    /// Expects the database restored from `archive` to match it.
    static func expectMatch(archive: String, db: TestDatabase, schema: String? = nil) throws {
        var options = PostgresExport.Options()
        options.schema = schema
        let report = try PostgresExport.compare(archive: archive, against: db.url, options: options)
        #expect(
            report.isSame,
            "verify --against: \(report.tables.filter { !$0.isSame }.map { $0.summary() + " \($0.schemaChanges) \($0.changedKeys) \($0.sequenceProblems)" })")
    }

    static let columns: [Column] = {
        var id = Column(name: "id", type: .integer, nullable: false)
        id.autoIncrement = true
        return [
            id, Column(name: "u", type: .uuid), Column(name: "ts", type: .timestamp), Column(name: "d", type: .decimal),
            Column(name: "j", type: .json), Column(name: "b", type: .boolean), Column(name: "r", type: .real),
            Column(name: "x", type: .text, nullable: false), Column(name: "y", type: .bytes),
            Column(name: "dt", type: .date), Column(name: "tm", type: .time),
        ]
    }()

    static func row(_ i: Int) -> [Value] {
        [
            .integer(Int64(i)), .text(String(format: "0b9e8a52-3c4f-4a8e-9a7e-%012d", i)),
            .text("2026-01-0\(i)T10:00:00Z"), .text("\(i).50"), .json("{\"a\":\(i),\"b\":[true,null]}"), .boolean(i % 2 == 0),
            .real(Double(i) + 0.25), .text("user\(i)"), .bytes([UInt8(i), 2]), .text("2026-01-0\(i)"), .text("10:00:0\(i)"),
        ]
    }

    static func archive(in dir: TempDir) throws -> String {
        var schema = TableSchema(name: "users", columns: columns, primaryKey: ["id"])
        schema.indexes = [Index(name: "ix_users_x", columns: ["x"])]
        schema.uniqueConstraints = [UniqueConstraint(name: "users_u_key", columns: ["u"])]
        schema.sequenceValue = 5
        let path = dir.file("typed.authx.gz")
        try TestArchives.write(path, [(schema, (1...5).map(row))])
        return path
    }

    /// Restores the typed archive into a new schema and returns it.
    static func restored(_ archive: String, _ db: TestDatabase, _ schema: String) throws {
        var options = PostgresRestore.Options()
        options.schema = schema
        _ = try PostgresRestore.restore(archive: archive, to: db.url, options: options)
    }

    static func compare(_ archive: String, _ db: TestDatabase, _ schema: String) throws -> RecordComparator.TableComparison {
        var options = PostgresExport.Options()
        options.schema = schema
        let report = try PostgresExport.compare(archive: archive, against: db.url, options: options)
        return try #require(report.tables.first { $0.name == "users" })
    }

    /// The fixtures whose restore translates most (dynamically typed columns as text, text with NUL or invalid
    /// UTF-8 as bytea, a nullable primary key as UNIQUE) match their archives.
    @Test(arguments: ["quirks_types", "edge_values", "quirks_bad_utf8", "sample_auth"])
    func translatedFixturesMatch(name: String) throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let db = try TestDatabase()
        defer { db.drop() }
        let archive = try TestArchives.fixtureArchive(name, in: dir)
        _ = try PostgresRestore.restore(archive: archive, to: db.url)
        try Self.expectMatch(archive: archive, db: db)
    }

    /// A changed value in each logical type (and a NULL where a value was) is a change of that column, by key.
    @Test func changedValueOfEachTypeIsNamed() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let db = try TestDatabase()
        defer { db.drop() }
        let archive = try Self.archive(in: dir)
        try Self.restored(archive, db, "base")
        try Self.expectMatch(archive: archive, db: db, schema: "base")
        let changes: [(column: String, sql: String)] = [
            ("u", "u = 'aaaaaaaa-3c4f-4a8e-9a7e-000000000002'"), ("ts", "ts = ts + interval '1 second'"),
            ("d", "d = d + 0.01"), ("j", "j = '{\"a\": 2, \"b\": [true]}'"), ("b", "b = NOT b"), ("r", "r = r + 1"),
            ("x", "x = x || '!'"), ("y", "y = '\\x00'::bytea"), ("dt", "dt = dt + 1"), ("tm", "tm = tm + interval '1 second'"),
            ("u", "u = NULL"), ("ts", "ts = NULL"), ("j", "j = NULL"), ("y", "y = NULL"),
        ]
        for (index, change) in changes.enumerated() {
            let schema = "m\(index)"
            try Self.restored(archive, db, schema)
            try db.execute("UPDATE \(schema).users SET \(change.sql) WHERE id = 2")
            let table = try Self.compare(archive, db, schema)
            #expect(table.changed == 1 && table.added == 0 && table.removed == 0, "\(change.sql)")
            #expect(table.changedColumns.map(\.column) == [change.column], "\(change.sql)")
            #expect(table.changedKeys.map(\.key) == ["id=2"], "\(change.sql)")
        }
    }

    /// A deleted row, an extra row, a dropped index, a column made nullable, a sequence set back: each found.
    @Test func rowsSchemaAndSequenceDifferencesAreNamed() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let db = try TestDatabase()
        defer { db.drop() }
        let archive = try Self.archive(in: dir)
        func mutated(_ schema: String, _ sql: String) throws -> RecordComparator.TableComparison {
            try Self.restored(archive, db, schema)
            try db.execute(sql.replacingOccurrences(of: "S.", with: "\(schema)."))
            return try Self.compare(archive, db, schema)
        }
        let deleted = try mutated("deleted", "DELETE FROM S.users WHERE id = 3")
        #expect(deleted.removed == 1 && deleted.removedKeys == ["id=3"] && deleted.added == 0 && deleted.changed == 0)
        let extra = try mutated("extra", "INSERT INTO S.users (id, x) VALUES (100, 'z')")
        #expect(extra.added == 1 && extra.addedKeys == ["id=100"] && extra.removed == 0)
        let index = try mutated("noindex", "DROP INDEX S.ix_users_x")
        #expect(index.schemaChanges == ["index ix_users_x removed"])
        let nullable = try mutated("nullable", "ALTER TABLE S.users ALTER COLUMN x DROP NOT NULL")
        #expect(nullable.schemaChanges == ["column x: NOT NULL dropped (now nullable)"])
        let unique = try mutated("nounique", "ALTER TABLE S.users DROP CONSTRAINT users_u_key")
        #expect(unique.schemaChanges == ["UNIQUE (u) removed"])
        let sequence = try mutated("sequence", "SELECT setval(pg_get_serial_sequence('S.users', 'id'), 2)")
        #expect(sequence.sequenceProblems == ["the sequence of id is at 2, below the highest key 5"])
        let restarted = try mutated("restarted", "SELECT setval(pg_get_serial_sequence('S.users', 'id'), 1, false)")
        #expect(restarted.sequenceProblems.count == 1, "\(restarted.sequenceProblems)")
        for table in [deleted, extra, index, nullable, unique, sequence, restarted] { #expect(!table.isSame) }
    }

    /// The migration guide's proof: the application made its own tables (other types, a UNIQUE index where the
    /// archive has a constraint, an index of its own, one of the archive's missing, a column of its own, a nullable
    /// column, an identity instead of serial) and `restore --data-only` loaded the archive into them. Without
    /// `--data-only` the schema differs and every row matches; with it they match, and a changed value, a column
    /// the archive has and the tables lack, and a sequence set back are still each found.
    @Test func dataOnlyIntoTheApplicationsOwnTablesComparesTheData() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let db = try TestDatabase()
        defer { db.drop() }
        let archive = try Self.archive(in: dir)
        func appTables(_ schema: String) throws {
            try db.execute("""
                CREATE SCHEMA \(schema);
                CREATE TABLE \(schema).users (
                    id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, u uuid, ts timestamp with time zone,
                    d numeric(10, 2), j jsonb, b boolean, r double precision, x varchar(100), y bytea, dt date,
                    tm time, note text DEFAULT 'app');
                CREATE UNIQUE INDEX users_u_uniq ON \(schema).users (u);
                CREATE INDEX users_x_like ON \(schema).users (x varchar_pattern_ops);
                CREATE TABLE \(schema).app_settings (k text PRIMARY KEY, v text);
                INSERT INTO \(schema).app_settings VALUES ('theme', 'dark');
                """)
            var options = PostgresRestore.Options()
            options.schema = schema
            options.dataOnly = true
            _ = try PostgresRestore.restore(archive: archive, to: db.url, options: options)
        }
        func compare(_ schema: String, dataOnly: Bool) throws -> RecordComparator.TableComparison {
            var options = PostgresExport.Options()
            options.schema = schema
            var comparison = RecordComparator.Options()
            comparison.dataOnly = dataOnly
            let report = try PostgresExport.compare(archive: archive, against: db.url, options: options, comparison: comparison)
            #expect(report.tables.contains { $0.name == "app_settings" } == !dataOnly, "\(report.tables.map(\.name))")
            return try #require(report.tables.first { $0.name == "users" })
        }
        try appTables("app")
        let full = try compare("app", dataOnly: false)
        #expect(full.added == 0 && full.removed == 0 && full.changed == 0 && full.sequenceProblems.isEmpty)
        #expect(
            Set(full.schemaChanges).isSuperset(of: [
                "column x: NOT NULL dropped (now nullable)", "column note added", "UNIQUE (u) removed",
                "index ix_users_x removed", "index users_u_uniq added", "index users_x_like added",
            ]), "\(full.schemaChanges)")
        let data = try compare("app", dataOnly: true)
        #expect(data.isSame, "\(data.summary()) \(data.schemaChanges) \(data.changedKeys) \(data.sequenceProblems)")

        try appTables("changed")
        try db.execute("UPDATE changed.users SET d = d + 1 WHERE id = 4")
        let changed = try compare("changed", dataOnly: true)
        #expect(changed.changed == 1 && changed.changedKeys.map(\.key) == ["id=4"] && changed.changedColumns.map(\.column) == ["d"])
        try appTables("dropped")
        try db.execute("ALTER TABLE dropped.users DROP COLUMN tm")
        let dropped = try compare("dropped", dataOnly: true)
        #expect(dropped.schemaChanges == ["column tm removed"] && !dropped.isSame)
        try appTables("behind")
        try db.execute("SELECT setval(pg_get_serial_sequence('behind.users', 'id'), 2)")
        let behind = try compare("behind", dataOnly: true)
        #expect(behind.sequenceProblems == ["the sequence of id is at 2, below the highest key 5"] && !behind.isSame)

        // The command line: without --data-only the hint names it; with it, exit 0.
        let plain = try RestoreCommandTests.authx(["verify", archive, "--against", db.url, "--schema", "app"])
        #expect(plain.status == 1)
        #expect(plain.stdout.contains("hint: every archive row matches; only the schema differs"), "\(plain.stdout)")
        #expect(plain.stdout.contains("app_settings: table only in database"), "\(plain.stdout)")
        let selected = try RestoreCommandTests.authx(["verify", archive, "--against", db.url, "--schema", "app", "--table", "users"])
        #expect(selected.status == 1 && !selected.stdout.contains("app_settings"), "\(selected.stdout)")
        let proved = try RestoreCommandTests.authx(["verify", archive, "--against", db.url, "--schema", "app", "--data-only"])
        #expect(proved.status == 0, "\(proved.stdout) \(proved.stderr)")
        #expect(proved.stdout.contains("MATCH"))
        let rowDiffers = try RestoreCommandTests.authx(["verify", archive, "--against", db.url, "--schema", "changed"])
        #expect(rowDiffers.status == 1 && !rowDiffers.stdout.contains("hint:"), "\(rowDiffers.stdout)")
        let misplaced = try RestoreCommandTests.authx(["verify", archive, "--data-only"])
        #expect(misplaced.status == 2 && misplaced.stderr.contains("--data-only apply with --against"), "\(misplaced.stderr)")
    }

    /// The application's columns store values in other types than the archive's, by translations restore
    /// --data-only makes (a boolean in an integer column, an integer in a boolean one, a decimal in a double, a
    /// real in a numeric, a date in a timestamp): equal values match, and a changed value in each is still found.
    @Test func dataOnlyTranslationsCompareByValue() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let db = try TestDatabase()
        defer { db.drop() }
        let schema = TableSchema(
            name: "ev",
            columns: [
                Column(name: "id", type: .integer, nullable: false), Column(name: "ok", type: .boolean),
                Column(name: "n", type: .integer), Column(name: "d", type: .decimal), Column(name: "r", type: .real),
                Column(name: "dt", type: .date),
            ],
            primaryKey: ["id"])
        let archive = dir.file("ev.authx.gz")
        try TestArchives.write(archive, [
            (schema, [
                [.integer(1), .boolean(true), .integer(1), .text("12.50"), .real(0.1), .text("2026-01-02")],
                [.integer(2), .boolean(false), .integer(0), .text("0.0000001"), .real(2.5), .text("2026-02-28")],
                [.integer(3), .null, .null, .text("-3"), .real(1e-7), .null],
            ])
        ])
        func loaded(_ name: String) throws {
            try db.execute("""
                CREATE SCHEMA \(name);
                CREATE TABLE \(name).ev (id integer PRIMARY KEY, ok integer, n boolean, d double precision,
                    r numeric(20, 8), dt timestamp)
                """)
            var options = PostgresRestore.Options()
            options.schema = name
            options.dataOnly = true
            _ = try PostgresRestore.restore(archive: archive, to: db.url, options: options)
        }
        func compare(_ name: String) throws -> RecordComparator.TableComparison {
            var options = PostgresExport.Options()
            options.schema = name
            var comparison = RecordComparator.Options()
            comparison.dataOnly = true
            return try #require(
                try PostgresExport.compare(archive: archive, against: db.url, options: options, comparison: comparison)
                    .tables.first { $0.name == "ev" })
        }
        try loaded("same")
        let same = try compare("same")
        #expect(same.isSame, "\(same.summary()) \(same.changedKeys)")
        let changes: [(column: String, sql: String)] = [
            ("ok", "ok = 0"), ("n", "n = false"), ("d", "d = 12.51"), ("r", "r = 0.10000001"),
            ("dt", "dt = dt + interval '1 second'"),
        ]
        for (index, change) in changes.enumerated() {
            try loaded("c\(index)")
            try db.execute("UPDATE c\(index).ev SET \(change.sql) WHERE id = 1")
            let table = try compare("c\(index)")
            #expect(table.changed == 1 && table.changedColumns.map(\.column) == [change.column], "\(change.sql): \(table.summary())")
        }
    }

    /// Archive text the application's tables store as uuid (the primary key too) and as jsonb: PostgreSQL spells
    /// them its way (dashes and lower case; jsonb's key order and spacing), and the values still match, by key; a
    /// changed value is found. Around it, an archive table the database lacks (before it: held, then reported) and
    /// one left out by the table filter (the archive's side is told to skip it: no hang).
    @Test func textStoredAsUUIDOrJSONComparesByValue() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let db = try TestDatabase()
        defer { db.drop() }
        let gone = TableSchema(name: "gone", columns: [Column(name: "k", type: .integer, nullable: false)], primaryKey: ["k"])
        let keys = TableSchema(
            name: "keys",
            columns: [Column(name: "id", type: .text, nullable: false), Column(name: "doc", type: .text), Column(name: "n", type: .integer)],
            primaryKey: ["id"])
        let other = TableSchema(name: "other", columns: [Column(name: "v", type: .text)])
        let archive = dir.file("keys.authx.gz")
        try TestArchives.write(archive, [
            (gone, [[.integer(1)]]),
            (keys, [
                [.text("0B9E8A523C4F4A8E9A7E000000000001"), .text(#"{"b":1,"a":[1, 2]}"#), .integer(1)],
                [.text("0b9e8a52-3c4f-4a8e-9a7e-000000000002"), .text("[1,2]"), .integer(2)],
                [.text("0b9e8a523c4f4a8e9a7e000000000003"), .null, .integer(3)],
            ]),
            (other, [[.text("x")]]),
        ])
        func loaded(_ name: String, _ change: String? = nil) throws -> RecordComparator.Report {
            try db.execute("""
                CREATE SCHEMA \(name);
                CREATE TABLE \(name).keys (id uuid PRIMARY KEY, doc jsonb, n integer);
                CREATE TABLE \(name).other (v text);
                """)
            var restore = PostgresRestore.Options()
            restore.schema = name
            restore.dataOnly = true
            restore.tables = TableFilter(include: ["keys"])
            _ = try PostgresRestore.restore(archive: archive, to: db.url, options: restore)
            if let change { try db.execute(change.replacingOccurrences(of: "S.", with: "\(name).")) }
            var options = PostgresExport.Options()
            options.schema = name
            options.tables = TableFilter(exclude: ["other"])
            var comparison = RecordComparator.Options()
            comparison.dataOnly = true
            let (url, exportOptions, comparisonOptions) = (db.url, options, comparison)
            let outcome = Self.withoutHanging(seconds: 120) {
                try PostgresExport.compare(archive: archive, against: url, options: exportOptions, comparison: comparisonOptions)
            }
            return try #require(outcome).get()
        }
        let same = try loaded("same")
        let table = try #require(same.tables.first { $0.name == "keys" })
        #expect(table.isSame, "\(table.summary()) \(table.addedKeys) \(table.removedKeys) \(table.changedKeys)")
        #expect(same.tables.map(\.name) == ["gone", "keys"], "\(same.tables.map(\.name))")
        #expect(same.tables.first?.presence == .onlyOld)
        let changed = try loaded(
            "changed", "UPDATE S.keys SET doc = '{\"a\": [1, 2], \"b\": 2}' WHERE n = 1; UPDATE S.keys SET id = gen_random_uuid() WHERE n = 2")
        let keysChanged = try #require(changed.tables.first { $0.name == "keys" })
        #expect(keysChanged.changed == 1 && keysChanged.changedColumns.map(\.column) == ["doc"], "\(keysChanged.summary())")
        #expect(keysChanged.added == 1 && keysChanged.removed == 1, "\(keysChanged.summary())")
    }

    /// Through the CLI: exit 0 on a match, 1 with a summary per table on a difference, 3 when the database
    /// cannot be read; --json gives the whole report.
    @Test func commandLineExitCodes() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let db = try TestDatabase()
        defer { db.drop() }
        let archive = try Self.archive(in: dir)
        try Self.restored(archive, db, "public")
        func run(_ arguments: [String]) throws -> RestoreCommandTests.Result { try RestoreCommandTests.authx(arguments) }
        let match = try run(["verify", archive, "--against", db.url])
        #expect(match.status == 0, "\(match.stdout) \(match.stderr)")
        #expect(match.stdout.contains("MATCH"))
        try db.execute("UPDATE users SET x = 'changed' WHERE id = 4; DELETE FROM users WHERE id = 5")
        let differ = try run(["verify", archive, "--against", db.url])
        #expect(differ.status == 1)
        #expect(differ.stdout.contains("users: 0 only in database, 1 only in archive, 1 changed (x 1)"), "\(differ.stdout)")
        #expect(!differ.stdout.contains("changed'"))
        let json = try run(["verify", archive, "--against", db.url, "--json"])
        #expect(json.status == 1)
        let parsed = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        #expect(parsed?["same"] as? Bool == false)
        #expect(parsed?["ok"] as? Bool == false)
        #expect(try CommandLineJSONTests.schemaProblems("verify", json.stdout) == nil)
        // diff: the archive against an export of the changed database, same report shape.
        let exported = dir.file("changed.authx.gz")
        #expect(try run(["export", db.url, "-o", exported, "--quiet"]).status == 0)
        let diff = try run(["diff", archive, exported, "--json"])
        #expect(diff.status == 1, "\(diff.stderr)")
        #expect(try CommandLineJSONTests.schemaProblems("diff", diff.stdout) == nil)
        let same = try run(["diff", exported, exported, "--json"])
        #expect(same.status == 0)
        #expect(try CommandLineJSONTests.schemaProblems("diff", same.stdout) == nil)
        let matchJSON = try run(["verify", exported, "--against", db.url, "--json"])
        #expect(matchJSON.status == 0, "\(matchJSON.stdout) \(matchJSON.stderr)")
        #expect(try CommandLineJSONTests.schemaProblems("verify", matchJSON.stdout) == nil)
        let unreadable = try run(["verify", archive, "--against", TestServer.url(db.url, database: "authx_no_such_database")])
        #expect(unreadable.status == 3, "\(unreadable.stderr)")
        #expect(unreadable.stderr.contains("authx_no_such_database\" does not exist"), "\(unreadable.stderr)")
        #expect(!unreadable.stderr.contains("--create"), "verify has no --create: \(unreadable.stderr)")
    }

    /// Runs authx with standard error captured; the caller signals and waits.
    static func start(_ arguments: [String], stdin: Pipe? = nil) throws -> (Process, Pipe, Pipe) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: TestArchives.repositoryRoot() + "/.build/debug/authx")
        process.arguments = arguments
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = stdin ?? FileHandle.nullDevice
        try process.run()
        return (process, out, err)
    }

    /// Waits (a liveness bound, not a timing assertion) for `process` to end; kills it if it does not.
    static func finish(_ process: Process, _ out: Pipe, _ err: Pipe, seconds: Double = 60) -> (Int32, String, String) {
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        if process.isRunning {
            Issue.record("authx still running \(Int(seconds)) s after Ctrl-C")
            kill(process.processIdentifier, SIGKILL)
        }
        let stdout = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, stdout, stderr)
    }

    /// A table `big` of `rows` rows (about 80 bytes a line) and its archive, exported from the database.
    static func bigTable(_ db: TestDatabase, rows: Int, in dir: TempDir) throws -> String {
        try db.execute(
            "CREATE TABLE big (id bigint PRIMARY KEY, t text NOT NULL, ts timestamptz NOT NULL); "
                + "INSERT INTO big SELECT i, md5(i::text), timestamptz '2026-01-01 00:00:00+00' + i * interval '1 second' "
                + "FROM generate_series(1, \(rows)) i")
        let path = dir.file("big.authx.gz")
        _ = try PostgresExport.export(from: db.url, to: .file(path: path, overwrite: false))
        return path
    }

    /// The client backends on the server other than `probe`'s own.
    static func otherBackends(_ probe: PGConnection) throws -> String? {
        try probe.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND backend_type = 'client backend' "
                + "AND pid <> pg_backend_pid()"
        ).string(0, 0)
    }

    /// Runs `body` on a thread and waits for it at most `seconds`: a hang is recorded, not waited out.
    static func withoutHanging<T: Sendable>(seconds: Int = 300, _ body: @escaping @Sendable () throws -> T) -> Result<T, any Error>? {
        let outcome = Mutex<Result<T, any Error>?>(nil)
        let done = DispatchSemaphore(value: 0)
        Thread {
            let result = Result { try body() }
            outcome.withLock { $0 = result }
            done.signal()
        }.start()
        guard done.wait(timeout: .now() + .seconds(seconds)) == .success else {
            Issue.record("still running after \(seconds) s: a hang")
            return nil
        }
        return outcome.withLock { $0 }
    }

    /// Cancelled (Ctrl-C) while the exporter feeds the comparison mid-table, blocked on the comparison's full queue
    /// (the worst case: the exporter cannot poll for Ctrl-C itself, so it is told only by the comparison here): the
    /// comparison stops with the cancellation error — no hang (the blocked exporter is released), no report — and
    /// the exporter's session ends (no backend left on the server). Mutation-checked: with `ComparedSide.stop()` not
    /// cancelling the event queue, the exporter stays blocked and this records a hang.
    @Test func cancellingWhileTheExporterFeedsTheComparisonStopsCleanly() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let db = try TestDatabase()
        defer { db.drop() }
        let archive = try Self.bigTable(db, rows: 500_000, in: dir)
        let probe = try db.connect()
        defer { probe.close() }
        // Ctrl-C comes when the comparison has compared 65,536 rows of the table and the exporter has stopped
        // reading: it filled the comparison's queue (8 MiB of lines ahead), so its backend keeps waiting to write.
        let url = db.url
        let interrupted = Atomic(false)
        var comparison = RecordComparator.Options()
        comparison.isCancelled = { interrupted.load(ordering: .relaxed) }
        comparison.progress = { event in
            guard event.kind == .rows, !interrupted.load(ordering: .relaxed) else { return }
            defer { interrupted.store(true, ordering: .relaxed) }
            guard let watcher = try? PGConnection(conninfo: url) else { return }
            defer { watcher.close() }
            var waitingPolls = 0
            let deadline = Date().addingTimeInterval(60)
            while waitingPolls < 20 && Date() < deadline {
                let waiting = try? watcher.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event = 'ClientWrite'"
                ).string(0, 0)
                waitingPolls = waiting == "1" ? waitingPolls + 1 : 0
                usleep(50_000)
            }
        }
        let options = PostgresExport.Options()
        let (exportOptions, compareOptions) = (options, comparison)
        let outcome = Self.withoutHanging {
            try PostgresExport.compare(archive: archive, against: url, options: exportOptions, comparison: compareOptions)
        }
        guard case .failure(let error)? = outcome else {
            Issue.record("the comparison was not stopped: \(String(describing: outcome))")
            return
        }
        let message = "\(error)"
        #expect(
            (error as? PostgresError)?.code == .cancelled || ((error as? ArchiveError)?.code == .io && message.contains("cancelled")),
            "\(message)")
        let deadline = Date().addingTimeInterval(30)
        while try Self.otherBackends(probe) != "0" && Date() < deadline { usleep(50_000) }
        #expect(try Self.otherBackends(probe) == "0", "the exporter's session is still on the server")
    }

    /// The database failing mid-table (its session terminated while the exporter feeds the comparison) is reported
    /// as that database error — a `PostgresError`, exit 3 through the CLI — not as rows missing from the database;
    /// an invalid archive beside a readable database is still the archive's error, exit 1. Mutation-checked: with
    /// the producer's error turned into an end of records, the comparison returns a report (rows only in the archive)
    /// and this fails.
    @Test func databaseErrorMidTableIsTheDatabaseError() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let db = try TestDatabase()
        defer { db.drop() }
        // More rows than the comparison reads ahead (8 MiB of lines) plus what the sockets buffer, after the first
        // 65,536 compared: the exporter's COPY is still running when its session is terminated.
        let archive = try Self.bigTable(db, rows: 500_000, in: dir)
        let url = db.url
        let terminated = Atomic(false)
        var comparison = RecordComparator.Options()
        comparison.progress = { event in
            guard event.kind == .rows, !terminated.exchange(true, ordering: .relaxed) else { return }
            // On the comparing thread: the exporter can only run ahead by the read-ahead meanwhile.
            guard let probe = try? PGConnection(conninfo: url) else { return }
            defer { probe.close() }
            _ = try? probe.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() "
                    + "AND backend_type = 'client backend' AND pid <> pg_backend_pid()")
            let deadline = Date().addingTimeInterval(30)
            while (try? Self.otherBackends(probe)) != "0" && Date() < deadline { usleep(20_000) }
        }
        let compareOptions = comparison
        let outcome = Self.withoutHanging {
            try PostgresExport.compare(archive: archive, against: url, comparison: compareOptions)
        }
        let wasTerminated = terminated.load(ordering: .relaxed)
        #expect(wasTerminated)
        switch outcome {
        case .failure(let error)?:
            #expect(error is PostgresError, "not the database's error: \(error)")
            #expect("\(error)".contains("big"), "\(error)")
        case .success(let report)?:
            Issue.record("a report instead of the database error: \(report.tables.map { $0.summary() })")
        case nil:
            break
        }

        // The archive cut short, the database readable: the archive's error, exit 1 (not 3).
        let bytes = try Data(contentsOf: URL(fileURLWithPath: archive))
        let cut = dir.file("cut.authx.gz")
        try bytes.prefix(bytes.count / 2).write(to: URL(fileURLWithPath: cut))
        let result = try RestoreCommandTests.authx(["verify", cut, "--against", db.url])
        #expect(result.status == 1, "\(result.stderr)")
        #expect(result.stderr.contains("cut.authx.gz"), "\(result.stderr)")
    }

    /// Ctrl-C while `verify --against` waits inside PostgreSQL (for a lock another session holds): exit 130 with one
    /// line, no report, no file, and no backend of authx left on the server (its statement is cancelled, not
    /// abandoned: a backend waiting for a lock would otherwise stay until the lock is released).
    @Test func ctrlCStopsVerifyAgainstAndLeavesNoBackend() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let db = try TestDatabase()
        defer { db.drop() }
        let archive = try Self.archive(in: dir)
        try Self.restored(archive, db, "public")
        let blocker = try db.connect()
        defer { blocker.close() }
        try blocker.executeScript("BEGIN; LOCK TABLE users IN ACCESS EXCLUSIVE MODE")
        let blockerPID = try #require(try blocker.execute("SELECT pg_backend_pid()").string(0, 0))
        // authx's backends: client backends other than these, seen through one probe session (an autovacuum worker
        // may come and go, and so may the backend of a closed test connection).
        let probe = try db.connect()
        defer { probe.close() }
        let probePID = try #require(try probe.execute("SELECT pg_backend_pid()").string(0, 0))
        let others = "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND backend_type = 'client backend' AND pid NOT IN (\(probePID), \(blockerPID))"

        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted()
        let (process, out, err) = try Self.start(["verify", archive, "--against", db.url, "--lock-wait-timeout", "0"])
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
        let start = Date()
        while try db.value("SELECT count(*) FROM pg_locks WHERE NOT granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())") == "0",
            process.isRunning, Date().timeIntervalSince(start) < 60
        {
            usleep(20_000)
        }
        #expect(process.isRunning, "verify --against ended before it waited for the lock")
        // authx's backend is on the server now, waiting inside a statement that only a cancel request, the lock's
        // release (after the checks below) or its client's death ends.
        let waiting = others + " AND state = 'active' AND wait_event_type = 'Lock'"
        try #require(try probe.execute(waiting).string(0, 0) == "1", "authx's backend waiting for the lock is not visible before Ctrl-C")
        kill(process.processIdentifier, SIGINT)
        // Ctrl-C alone, while the other session still holds its lock, ends authx's backend: checked before
        // `finish` may kill a hung authx, since the death of its client ends a backend too (authx's sessions set
        // client_connection_check_interval). Mutation-checked: without the cancel request, the backend stays in
        // its lock wait and this fails.
        let deadline = Date().addingTimeInterval(30)
        while try probe.execute(others).string(0, 0) != "0" && Date() < deadline { usleep(50_000) }
        let left = try probe.execute(others.replacingOccurrences(of: "count(*)", with: "pid, state, wait_event_type, application_name, query")).rows
        #expect(left.isEmpty, "a backend of authx is still on the server after Ctrl-C: \(left)")
        let (status, stdout, stderr) = Self.finish(process, out, err)
        #expect(status == 130, "\(stderr)")
        #expect(stderr.hasSuffix("\n") && stderr.dropLast().split(separator: "\n").count == 1, "one line: \(stderr)")
        #expect(stderr.contains("interrupted; nothing was compared to the end"), "\(stderr)")
        #expect(stdout.isEmpty, "no report after Ctrl-C: \(stdout)")
        try blocker.execute("ROLLBACK")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted() == files)
    }

    /// Ctrl-C during `diff` (reading the old archive from a pipe, as `cat old | authx diff - new` does; the
    /// terminal's Ctrl-C also ends the producer, so the pipe closes): exit 130 with one line, no report.
    @Test func ctrlCStopsDiff() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        var schema = TableSchema(name: "users", columns: Self.columns, primaryKey: ["id"])
        schema.sequenceValue = nil
        let rows: [[Value]] = (1...60_000).map { i in
            var row = Self.row(1 + i % 9)
            row[0] = .integer(Int64(i))
            row[7] = .text("user\(i)-\(i &* 2_654_435_761 % 1_000_003)")
            return row
        }
        let archive = dir.file("big.authx.gz")
        try TestArchives.write(archive, [(schema, rows)])
        let bytes = try Data(contentsOf: URL(fileURLWithPath: archive))
        #expect(bytes.count > 512 * 1024, "the archive should be larger than a pipe buffer")
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted()
        let pipe = Pipe()
        let (process, out, err) = try Self.start(["diff", "-", archive], stdin: pipe)
        // Once more than a pipe buffer has been taken, authx is reading (its Ctrl-C handler is installed).
        pipe.fileHandleForWriting.write(bytes.prefix(bytes.count / 2))
        kill(process.processIdentifier, SIGINT)
        try pipe.fileHandleForWriting.close()
        let (status, stdout, stderr) = Self.finish(process, out, err)
        #expect(status == 130, "\(stderr)")
        #expect(stderr.dropLast().split(separator: "\n").count == 1, "one line: \(stderr)")
        #expect(stderr.contains("interrupted; nothing was compared to the end"), "\(stderr)")
        #expect(stdout.isEmpty, "\(stdout)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted() == files)
    }
}
