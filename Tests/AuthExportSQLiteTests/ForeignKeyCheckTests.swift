import AuthExport
import Foundation
import Testing

@testable import AuthExportSQLite

/// The restore's foreign-key check must answer exactly what `PRAGMA foreign_key_check(T)` answers, and use its
/// faster query only where that is provably the same question.
@Suite struct ForeignKeyCheckTests {
    /// Parents and children covering the lookup rules of SQLite's foreign keys: rowid alias, text keys, composite
    /// keys, collations, affinities, NULLs, missing parents, keys SQLite refuses, and a value kept in a storage
    /// class its column's affinity would not give. Each child has rows with and without a parent.
    static let script = """
        CREATE TABLE p_text (id CHAR(32) PRIMARY KEY, note TEXT);
        INSERT INTO p_text VALUES ('aaaa', 'x'), ('bbbb', 'y');
        CREATE TABLE c_text (id INTEGER PRIMARY KEY, ref CHAR(32) REFERENCES p_text (id));
        CREATE INDEX c_text_ref ON c_text (ref);
        INSERT INTO c_text (ref) VALUES ('aaaa'), ('bbbb'), (NULL), ('cccc'), ('AAAA'), ('aaaa');
        CREATE TABLE c_text_ok (ref CHAR(32) NOT NULL REFERENCES p_text);
        INSERT INTO c_text_ok VALUES ('bbbb'), ('aaaa');

        CREATE TABLE p_int (id INTEGER PRIMARY KEY, name TEXT);
        INSERT INTO p_int VALUES (1, 'one'), (2, 'two');
        CREATE TABLE c_int (pid INTEGER REFERENCES p_int (id));
        INSERT INTO c_int VALUES (1), (99), ('abc'), (3.5), (NULL), ('2'), (2.0), (1e20), (x'01');

        CREATE TABLE p_pair (a TEXT, b INTEGER, PRIMARY KEY (a, b));
        INSERT INTO p_pair VALUES ('k', 1), ('k', 2);
        CREATE TABLE c_pair (x TEXT, y INTEGER, FOREIGN KEY (x, y) REFERENCES p_pair (a, b));
        INSERT INTO c_pair VALUES ('k', 1), ('k', 3), (NULL, 3), ('z', NULL), ('K', 2);
        CREATE TABLE c_pair_swapped (y INTEGER, x TEXT, FOREIGN KEY (y, x) REFERENCES p_pair (b, a));
        INSERT INTO c_pair_swapped VALUES (2, 'k'), (1, 'q');

        CREATE TABLE p_nocase (name TEXT COLLATE NOCASE UNIQUE);
        INSERT INTO p_nocase VALUES ('alice');
        CREATE TABLE c_nocase (name TEXT REFERENCES p_nocase (name));
        INSERT INTO c_nocase VALUES ('ALICE'), ('zed');

        CREATE TABLE p_pk_nocase (a TEXT, PRIMARY KEY (a COLLATE NOCASE));
        INSERT INTO p_pk_nocase VALUES ('x');
        CREATE TABLE c_pk_nocase (a TEXT REFERENCES p_pk_nocase);
        INSERT INTO c_pk_nocase VALUES ('X'), ('y');

        CREATE TABLE p_pk_binary (a TEXT COLLATE NOCASE, PRIMARY KEY (a COLLATE BINARY));
        INSERT INTO p_pk_binary VALUES ('x');
        CREATE TABLE c_pk_binary (a TEXT REFERENCES p_pk_binary);
        INSERT INTO c_pk_binary VALUES ('x'), ('X');

        CREATE TABLE p_index_nocase (name TEXT);
        CREATE UNIQUE INDEX p_index_nocase_name ON p_index_nocase (name COLLATE NOCASE);
        INSERT INTO p_index_nocase VALUES ('bob');
        CREATE TABLE c_index_nocase (name TEXT REFERENCES p_index_nocase (name));
        INSERT INTO c_index_nocase VALUES ('bob');

        CREATE TABLE p_plain (name TEXT);
        INSERT INTO p_plain VALUES ('n');
        CREATE TABLE c_not_unique (name TEXT REFERENCES p_plain (name));
        INSERT INTO c_not_unique VALUES ('n');

        CREATE TABLE c_numeric (pid NUMERIC REFERENCES p_text (id));
        INSERT INTO c_numeric VALUES ('aaaa'), (12), ('12');
        -- The pragma looks up '10' (the child's 10 as TEXT); the query would compare 10 with '1e1' as numbers.
        CREATE TABLE p_spelled (id TEXT PRIMARY KEY);
        INSERT INTO p_spelled VALUES ('1e1');
        CREATE TABLE c_spelled (ref NUMERIC REFERENCES p_spelled (id));
        INSERT INTO c_spelled VALUES (10);

        CREATE TABLE c_missing_parent (ref TEXT REFERENCES nowhere (id));
        INSERT INTO c_missing_parent VALUES ('a'), (NULL);

        CREATE TABLE p_unique (id INTEGER PRIMARY KEY, code TEXT NOT NULL UNIQUE);
        INSERT INTO p_unique VALUES (1, 'SPRING');
        CREATE TABLE c_unique (code TEXT REFERENCES p_unique (code), PRIMARY KEY (code)) WITHOUT ROWID;
        INSERT INTO c_unique VALUES ('SPRING'), ('WINTER');

        CREATE TABLE staff (id INTEGER PRIMARY KEY, manager INTEGER REFERENCES staff (id));
        INSERT INTO staff VALUES (1, NULL), (2, 1), (3, 7);

        CREATE TABLE p_kept (code TEXT PRIMARY KEY);
        CREATE TABLE c_kept (ref TEXT REFERENCES p_kept (code));
        """

    /// Stores INTEGER 5 in the TEXT columns p_kept.code and c_kept.ref (as a database edited through
    /// `writable_schema` may hold, and a restore reproduces): `foreign_key_check` converts the child's 5 to '5'
    /// before looking it up and finds no parent; comparing the stored values would find one.
    ///
    /// Like c_pk_binary (the query would compare with the column's NOCASE, the pragma with the key's BINARY) and
    /// c_index_nocase (the pragma refuses the key: "foreign key mismatch"), this is a case where the query, if
    /// used, would wrongly find nothing.
    static let keptScript = """
        PRAGMA writable_schema = ON;
        UPDATE sqlite_schema SET sql = 'CREATE TABLE p_kept (code PRIMARY KEY)' WHERE name = 'p_kept';
        UPDATE sqlite_schema SET sql = 'CREATE TABLE c_kept (ref REFERENCES p_kept (code))' WHERE name = 'c_kept';
        PRAGMA writable_schema = OFF;
        """
    static let keptScriptEnd = """
        PRAGMA writable_schema = ON;
        UPDATE sqlite_schema SET sql = 'CREATE TABLE p_kept (code TEXT PRIMARY KEY)' WHERE name = 'p_kept';
        UPDATE sqlite_schema SET sql = 'CREATE TABLE c_kept (ref TEXT REFERENCES p_kept (code))' WHERE name = 'c_kept';
        PRAGMA writable_schema = OFF;
        """

    /// Children the fast query must answer, and children it must leave to the pragma.
    static let screened = ["c_text", "c_text_ok", "c_int", "c_pair", "c_pair_swapped", "c_nocase", "c_unique", "staff"]
    static let notScreened = [
        "c_pk_nocase", "c_pk_binary", "c_index_nocase", "c_not_unique", "c_numeric", "c_spelled", "c_missing_parent", "c_kept",
    ]

    static func makeDatabase(in dir: RestoreTempDirectory) throws -> String {
        let path = dir.file("fk.db")
        try RestoreTestSupport.makeDatabase(at: path, script)
        // Re-open between the schema edits so each takes effect.
        try RestoreTestSupport.makeDatabase(at: path, keptScript)
        try RestoreTestSupport.makeDatabase(
            at: path, "INSERT INTO p_kept VALUES (5); INSERT INTO c_kept VALUES (5), (NULL);")
        try RestoreTestSupport.makeDatabase(at: path, keptScriptEnd)
        return path
    }

    @Test func answersExactlyWhatThePragmaAnswers() throws {
        let dir = try RestoreTempDirectory()
        defer { dir.remove() }
        let path = try Self.makeDatabase(in: dir)
        #expect(
            try RestoreTestSupport.typed(path, "SELECT code FROM p_kept UNION ALL SELECT ref FROM c_kept")
                == [["integer:5"], ["integer:5"], ["null"]])
        let connection = try SQLiteConnection(path: path, mode: .readOnly)
        defer { try? connection.close() }
        let check = ForeignKeyCheck(connection: connection, keptStorageClasses: ["p_kept.code", "c_kept.ref"])
        var violationsSeen = 0
        for table in Self.screened + Self.notScreened + ["p_text", "p_int"] {
            let expected = Result { try Self.pragma(table, connection) }
            let actual = Result { try check.violations(of: table) }
            switch (expected, actual) {
            case (.success(let want), .success(let got)):
                #expect(got == want, "\(table)")
                violationsSeen += want.count
            case (.failure(let want as SQLiteError), .failure(let got as SQLiteError)):
                #expect(got.message == want.message, "\(table)")
                #expect(want.message.contains("foreign key mismatch"), "\(table): \(want.message)")
            default:
                Issue.record("\(table): pragma \(expected), check \(actual)")
            }
        }
        // The cases above are not all trivially clean: rows without a parent are found in most children.
        #expect(violationsSeen >= 15)
    }

    @Test func usesTheQueryOnlyWhereItIsTheSameQuestion() throws {
        let dir = try RestoreTempDirectory()
        defer { dir.remove() }
        let path = try Self.makeDatabase(in: dir)
        let connection = try SQLiteConnection(path: path, mode: .readOnly)
        defer { try? connection.close() }
        let check = ForeignKeyCheck(connection: connection, keptStorageClasses: ["P_KEPT.code", "c_kept.REF"])
        for table in Self.screened {
            let queries = try check.screeningQueries(for: table)
            #expect(queries?.count == 1, "\(table)")
        }
        for table in Self.notScreened {
            #expect(try check.screeningQueries(for: table) == nil, "\(table)")
        }
        #expect(try check.screeningQueries(for: "p_text") == [])
        // Without knowing about the kept values, the query would wrongly find a parent for c_kept's 5.
        let unaware = ForeignKeyCheck(connection: connection, keptStorageClasses: [String]())
        let query = try #require(try unaware.screeningQueries(for: "c_kept")?.first)
        #expect(try connection.query(query).first?.first?.integer == 0)
        #expect(try Self.pragma("c_kept", connection).count == 1)
    }

    /// The rows of `PRAGMA foreign_key_check(table)`.
    static func pragma(_ table: String, _ connection: SQLiteConnection) throws -> [ForeignKeyCheck.Violation] {
        try connection.query("SELECT * FROM pragma_foreign_key_check(?)", [.text(Array(table.utf8))]).map {
            ForeignKeyCheck.Violation(table: $0[0].string ?? "", rowid: $0[1].integer, parent: $0[2].string ?? "")
        }
    }
}

/// The same comparison on real schemas: every table of every ORM-style fixture and of every corpus database.
/// These databases hold no value in an unusual storage class in a foreign-key column, so the check is given
/// none (a restore passes the ones it kept).
@Suite struct ForeignKeyCheckOnRealDatabasesTests {
    @Test(arguments: RestoreRoundTripTests.fixtures)
    func fixtureAgreesWithThePragma(name: String) throws {
        let dir = try RestoreTempDirectory()
        defer { dir.remove() }
        try Self.assertAgreement(try RestoreTestSupport.makeFixtureDatabase(name, in: dir))
    }

    @Test(
        .enabled(if: CorpusLocation.directory != nil, "corpus suite NOT RUN: ../shared/corpus not found"),
        arguments: RestoreRoundTripTests.corpusDatabases)
    func corpusDatabaseAgreesWithThePragma(name: String) throws {
        let corpus = try #require(CorpusLocation.directory) + "/pgloader"
        try Self.assertAgreement("\(corpus)/\(name)")
    }

    static func assertAgreement(_ path: String) throws {
        let connection = try SQLiteConnection(path: path, mode: .readOnly)
        defer { try? connection.close() }
        let check = ForeignKeyCheck(connection: connection, keptStorageClasses: [String]())
        let tables = try connection.query("SELECT name FROM sqlite_schema WHERE type = 'table'").compactMap {
            $0.first?.string
        }
        #expect(!tables.isEmpty)
        for table in tables {
            let expected = Result { try ForeignKeyCheckTests.pragma(table, connection) }
            let actual = Result { try check.violations(of: table) }
            switch (expected, actual) {
            case (.success(let want), .success(let got)):
                #expect(got == want, "\(path): \(table)")
            case (.failure(let want as SQLiteError), .failure(let got as SQLiteError)):
                #expect(got.message == want.message, "\(path): \(table)")
            default:
                Issue.record("\(path): \(table): pragma \(expected), check \(actual)")
            }
        }
    }
}
