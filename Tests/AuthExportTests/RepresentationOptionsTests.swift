import Testing

@testable import AuthExport

/// `RepresentationOptions` (`--profile`, `--as`): which representation each target gets for a column.
@Suite struct RepresentationOptionsTests {
    static let naiveSQLite = Column(name: "created_at", type: .timestamp, sourceType: "DATETIME", encoding: .naiveText, timeZone: "UTC")
    static let awareSQLite = Column(name: "seen_at", type: .timestamp, sourceType: "TEXT", encoding: .isoZ)
    static let unixSeconds = Column(name: "expires_at", type: .timestamp, sourceType: "INTEGER", encoding: .unixSeconds)
    static let naivePG = Column(name: "created_at", type: .timestamp, sourceType: "timestamp without time zone", encoding: .native)
    static let naivePGPrecision = Column(name: "t", type: .timestamp, sourceType: "timestamp(3) without time zone", encoding: .native)
    static let awarePG = Column(name: "created_at", type: .timestamp, sourceType: "timestamp with time zone", encoding: .native)
    static let json = Column(name: "profile", type: .json, sourceType: "JSON", encoding: .text)
    static let uuid = Column(name: "id", type: .uuid, sourceType: "uuid", encoding: .native)
    static let flag = Column(name: "active", type: .integer, sourceType: "INTEGER")
    static let text = Column(name: "object_id", type: .text, sourceType: "TEXT")

    @Test func naiveAndAwareSources() {
        #expect(Self.naiveSQLite.isNaiveTimestamp)
        #expect(!Self.awareSQLite.isNaiveTimestamp)
        #expect(!Self.unixSeconds.isNaiveTimestamp)
        #expect(Self.naivePG.isNaiveTimestamp)
        #expect(Self.naivePGPrecision.isNaiveTimestamp)
        #expect(!Self.awarePG.isNaiveTimestamp)
        #expect(!Column(name: "x", type: .timestamp).isNaiveTimestamp)
        #expect(!Self.json.isNaiveTimestamp)
    }

    @Test func defaultProfileKeepsNaiveNaiveAcrossEngines() throws {
        let options = RepresentationOptions()
        #expect(try options.representation(of: Self.naiveSQLite, in: "users", from: .sqlite, into: .postgresql) == .timestamp)
        #expect(try options.representation(of: Self.awareSQLite, in: "users", from: .sqlite, into: .postgresql) == .timestamptz)
        #expect(try options.representation(of: Self.unixSeconds, in: "t", from: .sqlite, into: .postgresql) == .timestamptz)
        #expect(try options.representation(of: Self.json, in: "users", from: .sqlite, into: .postgresql) == .jsonb)
        #expect(try options.representation(of: Self.uuid, in: "users", from: .postgresql, into: .sqlite) == .uuidHex)
        #expect(try options.representation(of: Self.naivePG, in: "users", from: .postgresql, into: .sqlite) == .datetime)
        #expect(try options.representation(of: Self.json, in: "users", from: .postgresql, into: .sqlite) == .jsonCompact)
        #expect(try options.representation(of: Self.flag, in: "users", from: .sqlite, into: .postgresql) == nil)
    }

    @Test func profilesApplyOnlyAcrossEngines() throws {
        let django = try RepresentationOptions(profile: "django", columns: [])
        #expect(try django.representation(of: Self.naiveSQLite, in: "u", from: .sqlite, into: .postgresql) == .timestamptz)
        #expect(try django.representation(of: Self.naivePG, in: "u", from: .postgresql, into: .postgresql) == nil)
        #expect(try django.representation(of: Self.naiveSQLite, in: "u", from: .sqlite, into: .sqlite) == nil)
        #expect(try django.representation(of: Self.json, in: "u", from: .postgresql, into: .sqlite) == .jsonPython)
        let sqlalchemy = try RepresentationOptions(profile: "SQLAlchemy", columns: [])
        #expect(try sqlalchemy.representation(of: Self.naiveSQLite, in: "u", from: .sqlite, into: .postgresql) == .timestamp)
        #expect(try sqlalchemy.representation(of: Self.json, in: "u", from: .sqlite, into: .postgresql) == .json)
        #expect(try sqlalchemy.representation(of: Self.awarePG, in: "u", from: .postgresql, into: .sqlite) == .datetime6)
        #expect(try RepresentationOptions(profile: "flask-security", columns: []).profile == .flaskSecurity)
    }

    @Test func columnChoicesWinInEveryDirection() throws {
        let options = try RepresentationOptions(
            profile: "django",
            columns: ["users.created_at=timestamp", "users.created_at=datetime6", "users.active=boolean", "log.object_id=uuid"])
        #expect(try options.representation(of: Self.naiveSQLite, in: "users", from: .sqlite, into: .postgresql) == .timestamp)
        #expect(try options.representation(of: Self.naivePG, in: "users", from: .postgresql, into: .postgresql) == .timestamp)
        #expect(try options.representation(of: Self.naivePG, in: "users", from: .postgresql, into: .sqlite) == .datetime6)
        #expect(try options.representation(of: Self.flag, in: "users", from: .sqlite, into: .postgresql) == .boolean)
        #expect(try options.representation(of: Self.text, in: "log", from: .sqlite, into: .postgresql) == .uuid)
        // Another table's column of the same name is not chosen.
        #expect(try options.representation(of: Self.naiveSQLite, in: "other", from: .sqlite, into: .postgresql) == .timestamptz)
    }

    @Test func aChoiceThatCannotHoldTheTypeIsRefusedNamingTheColumn() throws {
        let options = try RepresentationOptions(profile: nil, columns: ["users.profile=timestamptz"])
        let error = #expect(throws: ArchiveError.self) {
            try options.representation(of: Self.json, in: "users", from: .sqlite, into: .postgresql)
        }
        #expect(error?.code == .invalidValue)
        #expect(error?.location.table == "users")
        #expect(error?.location.column == "profile")
        #expect(error?.message.contains("json in the archive") == true)
    }

    @Test(arguments: [
        ("users.created_at", "expects TABLE.COLUMN=REPRESENTATION"),
        ("created_at=timestamp", "expects TABLE.COLUMN=REPRESENTATION"),
        (".c=timestamp", "expects TABLE.COLUMN=REPRESENTATION"),
        ("users.created_at=naive", "unknown representation \"naive\""),
    ])
    func badColumnChoices(text: String, message: String) {
        let error = #expect(throws: ArchiveError.self) { try RepresentationOptions(profile: nil, columns: [text]) }
        #expect(error?.message.contains(message) == true, "\(error?.message ?? "")")
    }

    @Test func sameColumnTwiceForOneEngineAndUnknownProfileAreRefused() {
        let twice = #expect(throws: ArchiveError.self) {
            try RepresentationOptions(profile: nil, columns: ["u.c=timestamp", "u.c=timestamptz"])
        }
        #expect(twice?.message.contains("given twice") == true)
        let profile = #expect(throws: ArchiveError.self) { try RepresentationOptions(profile: "rails", columns: []) }
        #expect(profile?.message.contains("default, sqlalchemy, flask-security, django") == true)
    }

    @Test func tableDotsAndUnmatchedColumns() throws {
        let options = try RepresentationOptions(profile: nil, columns: ["a.b.c=uuid-hex", "users.nope=timestamp"])
        #expect(options.columns[0].table == "a.b" && options.columns[0].column == "c")
        let tables: [(name: String, columns: [Column])] = [(name: "users", columns: [Self.naiveSQLite])]
        #expect(options.unmatchedColumns(for: .postgresql, in: tables).map(\.description) == ["users.nope=timestamp"])
        #expect(options.unmatchedColumns(for: .sqlite, in: tables).map(\.description) == ["a.b.c=uuid-hex"])
    }
}
