import Foundation
import Testing

import AuthExport

/// The auth_export 1.0 conformance suite, run against this implementation.
///
/// The fixtures in `Fixtures/valid` and `Fixtures/invalid` are written by `scripts/make-fixtures`, a Python
/// implementation of spec/FORMAT.md that shares no code with this one. Each `NAME.authx.gz` has a
/// `NAME.expected.json` (format: spec/conformance/README.md): for a valid archive its tables, row counts and
/// decoded cell values; for an invalid one the exact error code and location. Every fixture is checked three
/// ways: by ``ArchiveReader`` (sequential, materializing values), by ``ArchiveVerifier`` (sequential) and by the
/// `authx verify --json` binary (a separate process, which reads files with one worker thread per CPU).
///
/// Known deviations of this implementation from the spec are listed in ``knownFailures``, each pointing at
/// spec/OPEN-QUESTIONS.md; they run under `withKnownIssue`, so fixing one makes its test fail until its entry is
/// removed.
@Suite struct ConformanceTests {
    // MARK: Known failures

    enum Mode: String, Sendable {
        case reader, verifier, cli
    }

    /// Fixture name → mode → why it fails (see spec/OPEN-QUESTIONS.md).
    static let knownFailures: [String: [Mode: String]] = [:]

    /// Known failures that only show when `authx verify` reads with several threads (more than one CPU).
    static let knownParallelFailures: [String: String] = [:]

    static func knownFailure(_ name: String, _ mode: Mode) -> String? {
        if let reason = knownFailures[name]?[mode] { return reason }
        if mode == .cli, ProcessInfo.processInfo.activeProcessorCount > 1 { return knownParallelFailures[name] }
        return nil
    }

    /// Runs `body`, under `withKnownIssue` when the fixture is a known failure in this mode.
    static func check(_ name: String, _ mode: Mode, _ body: () throws -> Void) rethrows {
        if let reason = knownFailure(name, mode) {
            withKnownIssue(Comment(rawValue: reason)) { try body() }
        } else {
            try body()
        }
    }

    // MARK: Fixtures

    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path
    static let fixtures = root + "/Fixtures"

    static func names(_ directory: String) -> [String] {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: fixtures + "/" + directory)) ?? []
        return files.filter { $0.hasSuffix(".expected.json") }.map { String($0.dropLast(".expected.json".count)) }
            .sorted()
    }

    static let validNames = names("valid")
    static let invalidNames = names("invalid")

    /// A location field the error must have: absent, or this value, or (byte offsets) within a range.
    enum Expect: Sendable, Equatable, CustomStringConvertible {
        case absent
        case integer(Int64)
        case string(String)
        case within(Int64, Int64)

        var description: String {
            switch self {
            case .absent: return "absent"
            case .integer(let i): return "\(i)"
            case .string(let s): return "\"\(s)\""
            case .within(let a, let b): return "in [\(a), \(b))"
            }
        }
    }

    struct TableExpectation: Sendable, Equatable {
        var name: String
        var rows: Int64
        var values: [[String?]]?
    }

    /// A parsed `NAME.expected.json`.
    struct Fixture: Sendable {
        var name: String
        var path: String
        var options: ArchiveReader.Options
        var hasReaderOptions: Bool
        var tables: [TableExpectation] = []
        var objects = 0
        var extensionRecords = 0
        var version: String?
        var code: String?
        var location: [String: Expect] = [:]

        init(_ name: String, in directory: String) throws {
            self.name = name
            let base = ConformanceTests.fixtures + "/" + directory + "/" + name
            path = base + ".authx.gz"
            let data = try Data(contentsOf: URL(fileURLWithPath: base + ".expected.json"))
            let json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
            options = ArchiveReader.Options()
            options.threads = 1
            let readerOptions = json["reader_options"] as? [String: Any]
            hasReaderOptions = readerOptions != nil
            if let limit = readerOptions?["max_line_bytes"] as? Int { options.maxLineBytes = limit }
            if let depth = readerOptions?["max_depth"] as? Int { options.maxDepth = depth }
            if let tables = json["tables"] as? [[String: Any]] {
                self.tables = try tables.map { t in
                    TableExpectation(
                        name: try #require(t["name"] as? String),
                        rows: try #require((t["rows"] as? NSNumber)?.int64Value),
                        values: (t["values"] as? [[Any]])?.map { row in row.map { $0 as? String } })
                }
            }
            objects = json["objects"] as? Int ?? 0
            extensionRecords = json["extension_records"] as? Int ?? 0
            version = json["version"] as? String
            if let error = json["error"] as? [String: Any] {
                code = try #require(error["code"] as? String)
                let location = try #require(error["location"] as? [String: Any])
                for (key, value) in location {
                    if value is NSNull {
                        self.location[key] = .absent
                    } else if let range = value as? [NSNumber], range.count == 2 {
                        self.location[key] = .within(range[0].int64Value, range[1].int64Value)
                    } else if let number = value as? NSNumber {
                        self.location[key] = .integer(number.int64Value)
                    } else if let string = value as? String {
                        self.location[key] = .string(string)
                    }
                }
            }
        }
    }

    /// What an implementation reported: the first problem's code and location.
    struct Observed: CustomStringConvertible {
        var code: String
        var fields: [String: Expect]
        var message: String

        init(_ error: ArchiveError) {
            code = error.code.name
            message = error.message
            let l = error.location
            fields = [
                "line": l.line.map { .integer($0) } ?? .absent,
                "byte_offset": l.byteOffset.map { .integer($0) } ?? .absent,
                "table": l.table.map { .string($0) } ?? .absent, "row": l.row.map { .integer($0) } ?? .absent,
                "column": l.column.map { .string($0) } ?? .absent,
            ]
        }

        init(json problem: [String: Any]) {
            code = problem["code"] as? String ?? "?"
            message = problem["message"] as? String ?? ""
            func integer(_ key: String) -> Expect {
                (problem[key] as? NSNumber).map { .integer($0.int64Value) } ?? .absent
            }
            func string(_ key: String) -> Expect { (problem[key] as? String).map { .string($0) } ?? .absent }
            fields = [
                "line": integer("line"), "byte_offset": integer("byte_offset"), "table": string("table"),
                "row": integer("row"), "column": string("column"),
            ]
        }

        var description: String {
            "\(code) " + fields.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
                + " (\(message))"
        }

        /// Differences from the fixture's expected code and location.
        func mismatches(_ fixture: Fixture) -> [String] {
            var out: [String] = []
            if code != fixture.code { out.append("code \(code), expected \(fixture.code ?? "?")") }
            for (key, expected) in fixture.location.sorted(by: { $0.key < $1.key }) {
                let field = key == "byte_offset_within" ? "byte_offset" : key
                let actual = fields[field] ?? .absent
                switch (expected, actual) {
                case (.within(let low, let high), .integer(let value)) where value >= low && value < high: continue
                case _ where expected == actual: continue
                default: out.append("\(field) \(actual), expected \(expected)")
                }
            }
            return out
        }
    }

    /// A decoded cell as the fixtures spell it (spec/conformance/README.md#values).
    static func spell(_ value: Value) -> String? {
        func hex(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined() }
        switch value {
        case .null: return nil
        case .boolean(let b): return "boolean:\(b)"
        case .integer(let i): return "integer:\(i)"
        case .real(let d): return "real:\(d)"
        case .text(let s): return "text:" + s
        case .bytes(let b): return "bytes:" + hex(b)
        case .json(let s): return "json:" + s
        case .invalidText(let b): return "text_bytes:" + hex(b)
        }
    }

    /// Whether a decoded cell matches its expected spelling (reals are compared as doubles, bit for bit).
    static func matches(_ value: Value, _ expected: String?) -> Bool {
        if case .real(let d) = value, let expected, expected.hasPrefix("real:") {
            guard let want = Double(expected.dropFirst(5)) else { return false }
            return d.isNaN ? want.isNaN : d.bitPattern == want.bitPattern
        }
        return spell(value) == expected
    }

    // MARK: Valid fixtures

    @Test func fixtureDirectoriesAreComplete() throws {
        #expect(Self.validNames.count >= 15, "Fixtures/valid is missing or nearly empty")
        #expect(Self.invalidNames.count >= 60, "Fixtures/invalid is missing or nearly empty")
        for directory in ["valid", "invalid"] {
            let files = try FileManager.default.contentsOfDirectory(atPath: Self.fixtures + "/" + directory)
            let archives = Set(
                files.filter { $0.hasSuffix(".authx.gz") }.map { String($0.dropLast(".authx.gz".count)) })
            let expectations = Set(
                files.filter { $0.hasSuffix(".expected.json") }.map { String($0.dropLast(".expected.json".count)) })
            #expect(archives == expectations, "\(directory): archives and expected.json files must pair up")
            #expect(files.count == archives.count * 2, "\(directory): unexpected files \(files.sorted())")
        }
        for name in Self.knownFailures.keys.sorted() + Self.knownParallelFailures.keys.sorted() {
            #expect(
                Self.invalidNames.contains(name) || Self.validNames.contains(name),
                "known failure \(name) is no fixture")
        }
    }

    @Test(arguments: validNames)
    func validFixtureReads(_ name: String) throws {
        let fixture = try Fixture(name, in: "valid")
        try Self.check(name, .reader) {
            let reader = try ArchiveReader(path: fixture.path, options: fixture.options)
            var tables: [TableExpectation] = []
            var values: [[Value]] = []
            var objects = 0
            var extensions = 0
            var sawEnd = false
            while let record = try reader.next() {
                switch record {
                case .header(let header):
                    #expect(header.version == (fixture.version ?? "1.0"))
                case .table(let schema):
                    tables.append(TableExpectation(name: schema.name, rows: 0, values: nil))
                    values = []
                case .row(let row):
                    values.append(row)
                case .tableEnd(let end):
                    let index = tables.count - 1
                    tables[index].rows = end.rows
                    #expect(Int64(values.count) == end.rows)
                    if let expected = fixture.tables.first(where: { $0.name == end.table })?.values {
                        try Self.compare(values, expected, table: end.table)
                    }
                case .object:
                    objects += 1
                case .extensionRecord:
                    extensions += 1
                case .end:
                    sawEnd = true
                }
            }
            #expect(sawEnd)
            #expect(tables.map(\.name) == fixture.tables.map(\.name))
            #expect(tables.map(\.rows) == fixture.tables.map(\.rows))
            #expect(objects == fixture.objects)
            #expect(extensions == fixture.extensionRecords)
        }
    }

    static func compare(_ rows: [[Value]], _ expected: [[String?]], table: String) throws {
        try #require(rows.count == expected.count, "table \(table): \(rows.count) rows, expected \(expected.count)")
        for (number, (row, want)) in zip(rows, expected).enumerated() {
            try #require(row.count == want.count, "table \(table), row \(number + 1): \(row.count) cells")
            for (column, (value, cell)) in zip(row, want).enumerated() where !matches(value, cell) {
                let got = spell(value) ?? "null"
                Issue.record(
                    "table \(table), row \(number + 1), cell \(column + 1): got \(got), expected \(cell ?? "null")")
            }
        }
    }

    @Test(arguments: validNames)
    func validFixtureVerifies(_ name: String) throws {
        let fixture = try Fixture(name, in: "valid")
        try Self.check(name, .verifier) {
            var options = ArchiveVerifier.Options()
            options.reader = fixture.options
            let report = try ArchiveVerifier(path: fixture.path, options: options).run()
            #expect(report.isValid, "\(report.problems.map(\.description))")
            #expect(report.tables.map(\.name) == fixture.tables.map(\.name))
            #expect(report.tables.map(\.rows) == fixture.tables.map(\.rows))
            #expect(report.tables.allSatisfy { $0.checked })
        }
    }

    /// gzip(1) is the reference for "a concatenation of gzip members": it must accept every valid archive, and
    /// its output must be JSON lines, one per record the reader returned.
    @Test(arguments: validNames)
    func validFixtureIsGzipAndJSONLines(_ name: String) throws {
        let fixture = try Fixture(name, in: "valid")
        let test = try Self.run(["gzip", "-t", fixture.path])
        #expect(test.status == 0, "gzip -t: \(test.stderr)")
        let text = try Self.run(["gzip", "-dc", fixture.path])
        try #require(text.status == 0)
        var lines = text.stdoutData.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        #expect(lines.last?.isEmpty == true, "the text must end with a newline")
        lines.removeLast()
        for (number, line) in lines.enumerated() {
            #expect(
                (try? JSONSerialization.jsonObject(with: Data(line), options: [.fragmentsAllowed])) != nil,
                "line \(number + 1) is not JSON")
        }
        let reader = try ArchiveReader(path: fixture.path, options: fixture.options)
        var records = 0
        while try reader.next() != nil { records += 1 }
        #expect(records == lines.count)
    }

    // MARK: Invalid fixtures

    @Test(arguments: invalidNames)
    func invalidFixtureFailsInReader(_ name: String) throws {
        let fixture = try Fixture(name, in: "invalid")
        try Self.check(name, .reader) {
            let reader = try ArchiveReader(path: fixture.path, options: fixture.options)
            do {
                while try reader.next() != nil {}
                Issue.record("read to the end without an error, expected \(fixture.code ?? "?")")
            } catch let error as ArchiveError {
                let observed = Observed(error)
                let problems = observed.mismatches(fixture)
                #expect(problems.isEmpty, "\(problems.joined(separator: "; ")); got \(observed)")
            }
        }
    }

    @Test(arguments: invalidNames)
    func invalidFixtureFailsInVerifier(_ name: String) throws {
        let fixture = try Fixture(name, in: "invalid")
        try Self.check(name, .verifier) {
            var options = ArchiveVerifier.Options()
            options.reader = fixture.options
            let report = try ArchiveVerifier(path: fixture.path, options: options).run()
            #expect(!report.isValid)
            let first = try #require(report.problems.first, "no problem reported")
            let observed = Observed(first)
            let problems = observed.mismatches(fixture)
            #expect(problems.isEmpty, "\(problems.joined(separator: "; ")); got \(observed)")
            // Each fixture breaks exactly one rule, so the verifier must report exactly one problem.
            #expect(report.problems.count == 1, "\(report.problems.map(\.description))")
        }
    }

    // MARK: The command-line tool (parallel reading, separate process)

    static let binary = root + "/.build/debug/authx"

    /// Fixtures without special reader options (the CLI has none).
    static let cliNames =
        validNames.map { "valid/" + $0 }
        + invalidNames.filter { !((try? Fixture($0, in: "invalid"))?.hasReaderOptions ?? false) }.map {
            "invalid/" + $0
        }

    @Test(arguments: cliNames)
    func authxVerify(_ qualified: String) throws {
        try #require(
            FileManager.default.isExecutableFile(atPath: Self.binary),
            "\(Self.binary) is missing: build it first (swift build, or swift build --build-tests)")
        let parts = qualified.split(separator: "/").map(String.init)
        let fixture = try Fixture(parts[1], in: parts[0])
        let result = try Self.run([Self.binary, "verify", "--json", fixture.path])
        if result.crashed {
            Issue.record(Comment(rawValue: "authx verify crashed: \(result.stderr.prefix(300))"))
            return
        }
        let json = try #require(
            try JSONSerialization.jsonObject(with: result.stdoutData) as? [String: Any],
            "no JSON report: \(result.stderr)")
        let problems = json["problems"] as? [[String: Any]] ?? []
        try Self.check(fixture.name, .cli) {
            if parts[0] == "valid" {
                #expect(result.status == 0)
                #expect(json["valid"] as? Bool == true, "\(problems)")
            } else {
                #expect(result.status == 1)
                let first = try #require(problems.first, "no problem reported")
                let observed = Observed(json: first)
                let mismatches = observed.mismatches(fixture)
                #expect(mismatches.isEmpty, "\(mismatches.joined(separator: "; ")); got \(observed)")
            }
        }
    }

    // MARK: The fixtures, the schemas and the spec stay in sync

    /// Re-runs scripts/make-fixtures and compares its output byte for byte with the committed fixtures.
    @Test func fixturesAreUpToDate() throws {
        let dir = try TemporaryDirectory()
        let result = try Self.run(["python3", Self.root + "/scripts/make-fixtures", dir.path])
        try #require(result.status == 0, "make-fixtures failed: \(result.stderr)")
        let generator = result.stderr.trimmingCharacters(in: .whitespacesAndNewlines)
        for directory in ["valid", "invalid"] {
            let fresh = try FileManager.default.contentsOfDirectory(atPath: dir.path + "/" + directory).sorted()
            let committed = try FileManager.default.contentsOfDirectory(atPath: Self.fixtures + "/" + directory)
                .sorted()
            #expect(fresh == committed, "\(directory): run scripts/make-fixtures to regenerate the fixtures")
            for file in fresh where committed.contains(file) {
                let a = try Data(contentsOf: URL(fileURLWithPath: dir.path + "/" + directory + "/" + file))
                let b = try Data(contentsOf: URL(fileURLWithPath: Self.fixtures + "/" + directory + "/" + file))
                #expect(
                    a == b, "\(directory)/\(file) is not what make-fixtures writes (\(generator)); is zlib different?")
            }
        }
    }

    /// Every record and cell of every valid fixture conforms to spec/schemas; the schema-level invalid fixtures
    /// fail them; the self-test's broken records and cells are rejected.
    @Test func fixturesConformToSchemas() throws {
        let result = try Self.run(["python3", Self.root + "/scripts/check-schemas"])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
    }

    /// What ArchiveWriter writes conforms to the schemas, and its layout, checksums and index are right according to
    /// the independent checks of scripts/check-schemas; which catches a header it should reject.
    @Test func writerOutputConformsToSchemas() throws {
        let dir = try TemporaryDirectory()
        var options = ArchiveWriter.Options()
        options.threads = 2
        let good = dir.path + "/good.authx.gz"
        let header = ArchiveHeader(
            createdAt: "2026-01-01T00:00:00.000000Z", producer: "ConformanceTests",
            source: .init(backend: "sqlite", database: "t.db", serverVersion: "3.40.1"))
        let writer = try ArchiveWriter(path: good, overwrite: false, header: header, options: options)
        let columns = LogicalType.allCases.map { Column(name: "c_\($0.rawValue)", type: $0, nullable: true) }
        try writer.beginTable(
            TableSchema(
                name: "all", columns: [Column(name: "id", type: .integer, nullable: false)] + columns,
                primaryKey: ["id"],
                indexes: [Index(name: "ix", columns: ["c_text"])], checks: [CheckConstraint(expression: "id > 0")]))
        let rows: [[Value]] = [
            [
                .boolean(true), .integer(.min), .real(.nan), .text("-12.50"), .text("t\u{0}\n\"é"), .bytes([0, 255]),
                .text("0b9e8a52-3c4f-4a8e-9a7e-2f6d7c1e4b10"), .json("null"), .text("2024-02-29T23:59:59.999999Z"),
                .text("2000-02-29"), .text("24:00:00"), .invalidText([0xFF]),
            ],
            [
                .boolean(false), .integer(.max), .real(-0.0), .text("NaN"), .text(""), .bytes([]),
                .text("00000000-0000-0000-0000-000000000000"), .json(#"{"$":1}"#), .text("0001-01-01T00:00:00Z"),
                .text("9999-12-31"), .text("00:00:00.5"), .real(.infinity),
            ],
            [
                .null, .null, .real(1e300), .null, .null, .null, .null, .json("[1,{\"a\":null}]"), .null, .null, .null,
                .null,
            ],
        ]
        for (i, row) in rows.enumerated() { try writer.append([.integer(Int64(i + 1))] + row) }
        try writer.endTable()
        // A table over several members (about 1.3 MiB), compressed on two threads.
        try writer.beginTable(
            TableSchema(
                name: "big",
                columns: [
                    Column(name: "n", type: .integer, nullable: false),
                    Column(name: "s", type: .text, nullable: false),
                ]))
        let filler = String(repeating: "abcdefghij", count: 10)
        for n in 0..<12_000 { try writer.append([.integer(Int64(n)), .text(filler)]) }
        try writer.endTable()
        try writer.append(SchemaObject(type: "view", name: "v", sql: "CREATE VIEW v AS SELECT 1"))
        try writer.finish()
        let accepted = try Self.run(["python3", Self.root + "/scripts/check-schemas", good])
        #expect(accepted.status == 0, "\(accepted.stdout)\(accepted.stderr)")

        let bad = dir.path + "/bad.authx.gz"
        var badHeader = header
        badHeader.createdAt = "yesterday"
        let badWriter = try ArchiveWriter(path: bad, overwrite: false, header: badHeader, options: options)
        try badWriter.finish()
        let rejected = try Self.run(["python3", Self.root + "/scripts/check-schemas", bad])
        #expect(rejected.status == 1, "check-schemas accepted a header with created_at \"yesterday\"")
        #expect(rejected.stdout.contains("created_at"), "\(rejected.stdout)")
    }

    /// The worked example in spec/FORMAT.md §13 is the `tiny` fixture, byte for byte.
    @Test func specExampleIsUpToDate() throws {
        let spec = try String(contentsOfFile: Self.root + "/spec/FORMAT.md", encoding: .utf8)
        let begin = try #require(
            spec.range(of: "<!-- BEGIN GENERATED EXAMPLE"), "spec/FORMAT.md has no generated example")
        let end = try #require(spec.range(of: "<!-- END GENERATED EXAMPLE -->"))
        let embedded = String(spec[begin.lowerBound..<end.upperBound]) + "\n"
        let result = try Self.run(["python3", Self.root + "/scripts/make-fixtures", "--example"])
        try #require(result.status == 0, "\(result.stderr)")
        #expect(embedded == result.stdout, "regenerate §13 of spec/FORMAT.md with scripts/make-fixtures --example")
    }

    // MARK: Processes

    struct Outcome {
        var status: Int32
        var crashed: Bool
        var stdoutData: Data
        var stderr: String
        var stdout: String { String(decoding: stdoutData, as: UTF8.self) }
    }

    /// Runs a program (looked up on PATH unless absolute) and collects its output.
    static func run(_ arguments: [String]) throws -> Outcome {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: root)
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        // Read stderr on another thread so neither pipe can fill up and block the child.
        let errorData = ErrorCollector(err.fileHandleForReading)
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Outcome(
            status: process.terminationStatus, crashed: process.terminationReason == .uncaughtSignal,
            stdoutData: stdout, stderr: String(decoding: errorData.wait(), as: UTF8.self))
    }

    /// Reads a file handle to its end on a background thread.
    final class ErrorCollector: @unchecked Sendable {
        private let condition = NSCondition()
        private var data: Data?

        init(_ handle: FileHandle) {
            Thread.detachNewThread { [self] in
                let read = handle.readDataToEndOfFile()
                condition.lock()
                data = read
                condition.broadcast()
                condition.unlock()
            }
        }

        func wait() -> Data {
            condition.lock()
            defer { condition.unlock() }
            while data == nil { condition.wait() }
            return data ?? Data()
        }
    }
}
