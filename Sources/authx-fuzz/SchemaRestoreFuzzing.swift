import AuthExport
import AuthExportPostgres
import Foundation

/// The `schema` target (`AUTHX_FUZZ_TARGET=schema`): restores each input into a real PostgreSQL server and checks
/// that the archive's SQL texts had no effect outside the restore's own schema.
///
/// The inputs are archives (or their text, framed by ``ArchiveFuzzing/framed(text:)``) whose schema records —
/// table, column, index, constraint, CHECK, DEFAULT and view texts — are mutated from the real fixtures' and from
/// crafted hostile expressions (`Fixtures/fuzz/schema`). Each input is restored into a new schema of a database the
/// harness creates (`authx_fuzz_<pid>`), beside a *victim*: tables with rows, sequences at known positions (among
/// them `app_users_id_seq`, in `public` and in schema `victim`), a role, the `dblink` extension. After every
/// restore:
/// - the restore succeeded with only its own schema added, or failed with a typed one-line error (the errors the
///   CLI maps to exit 1, 2 or 3) and its schema does not exist;
/// - no backend but the harness's own is left (waited for up to 10 s): nothing still runs a statement of the
///   archive's after the restore returned;
/// - the harness's own session was not terminated;
/// - every catalogue snapshot outside the restore's schema is as it was before the first input: schemas, relations,
///   columns, defaults, constraints, triggers, functions, types, rules, policies, roles and their memberships and
///   settings, databases, extensions, server settings (from a new session, and the files `ALTER SYSTEM` writes),
///   prepared transactions, replication slots, large objects, every victim table's rows, and every sequence's
///   `last_value` and `is_called` (sequences are not transactional: a `setval` survives the restore's rollback).
///
/// Any difference is a finding (`fatalError`, which libFuzzer reports with the input).
enum SchemaRestoreFuzzing {
    /// The server (`AUTHX_FUZZ_PG_URL`); the harness creates its own database there.
    static let serverURL: String = {
        guard let url = ProcessInfo.processInfo.environment["AUTHX_FUZZ_PG_URL"], !url.isEmpty else {
            fatalError("the schema target needs a PostgreSQL server: set AUTHX_FUZZ_PG_URL=postgresql://…")
        }
        return url
    }()

    nonisolated(unsafe) static var runs = 0
    nonisolated(unsafe) static var state: State?

    /// The database the restores go to, the harness's own session in it, and the snapshot before the first input.
    struct State {
        var url: String
        var monitor: PGConnection
        var monitorPID: Int32
        /// Each section's digest, and its lines (for the report of a difference).
        var baseline: [String: [String]]
        var baselineLines: [String: [String]]
    }

    /// Restores `input` and checks the database; returns what happened, for the replay output.
    @discardableResult
    static func run(_ input: [UInt8]) -> String {
        let state = prepared()
        let archive = input.starts(with: [0x1F, 0x8B]) ? input : ArchiveFuzzing.framed(text: input)
        let path = ArchiveFuzzing.scratch + "-schema.authx.gz"
        guard FileManager.default.createFile(atPath: path, contents: Data(archive)) else {
            fatalError("cannot write \(path)")
        }
        defer { unlink(path) }

        runs += 1
        let schema = "fuzz_restore_\(runs)"
        var options = PostgresRestore.Options()
        options.schema = schema
        // Half the inputs (chosen by their bytes, so a finding replays the same way) load through `--jobs 2`: its
        // staging schema and second connection must not outlive the restore either.
        // The other bit chooses whether the statistics are gathered (after the commit, over more connections).
        let hash = input.reduce(UInt32(2_166_136_261)) { ($0 ^ UInt32($1)) &* 16_777_619 }
        options.jobs = hash % 2 == 0 ? 1 : 2
        options.analyze = hash / 2 % 2 == 1
        let outcome: String
        do {
            let summary = try PostgresRestore.restore(archive: path, to: state.url, options: options)
            outcome = "restored \(summary.tables.count) tables, \(summary.notes.count) notes (jobs \(options.jobs))"
        } catch {
            outcome = "failed: " + typedOneLine(error) + " (jobs \(options.jobs))"
        }
        let restoredSchema = outcome.hasPrefix("restored")

        waitForNoOtherBackend(state)
        if (try? state.monitor.execute("SELECT 1")) == nil || state.monitor.backendPID != state.monitorPID {
            fatalError("the harness's own session was terminated by the restore (\(outcome))")
        }
        let exists: Int
        do {
            exists = try state.monitor.execute("SELECT 1 FROM pg_namespace WHERE nspname = $1", [schema]).rowCount
        } catch {
            fatalError("cannot look for the restore's schema after the restore (\(outcome)): \(error)")
        }
        if restoredSchema, exists != 1 {
            fatalError("the restore succeeded but its schema \(schema) does not exist")
        }
        if !restoredSchema, exists != 0 {
            fatalError("the restore failed (\(outcome)) but left its schema \(schema) behind")
        }
        let now = snapshot(state, excluding: schema)
        if now != state.baseline {
            let lines = snapshot(state, excluding: schema, detailed: true)
            fatalError("the restore (\(outcome)) changed the database outside its schema:\n" + difference(state.baselineLines, lines))
        }
        if restoredSchema {
            do {
                _ = try state.monitor.execute("DROP SCHEMA \(PGConnection.quoteIdentifier(schema)) CASCADE")
            } catch {
                fatalError("cannot drop \(schema): \(error)")
            }
        }
        return outcome
    }

    /// The error's one-line description, after checking that it is one of the typed errors the CLI maps to exit 1,
    /// 2 or 3 with a one-line message.
    static func typedOneLine(_ error: any Error) -> String {
        let text: String
        switch error {
        case let e as ArchiveError: text = e.description
        case let e as PostgresError: text = e.description
        default: fatalError("the restore failed with an untyped error (exit 3 without a located message): \(error)")
        }
        if text.contains("\n") || text.contains("\r") {
            fatalError("the restore's error is not one line: \(text.debugDescription)")
        }
        return text
    }

    // MARK: - The victim

    static func prepared() -> State {
        if let state { return state }
        let database = "authx_fuzz_\(getpid())"
        do {
            let admin = try PGConnection(conninfo: serverURL)
            // Databases of harness processes that died on a finding (no exit handler ran).
            for row in try admin.execute("SELECT datname FROM pg_database WHERE datname ~ '^authx_fuzz_[0-9]+$'").rows {
                guard let name = row[0], let pid = Int32(name.dropFirst("authx_fuzz_".count)),
                    kill(pid, 0) != 0, errno == ESRCH
                else { continue }
                _ = try admin.execute("DROP DATABASE IF EXISTS \(PGConnection.quoteIdentifier(name)) WITH (FORCE)")
            }
            _ = try admin.execute("DROP DATABASE IF EXISTS \(PGConnection.quoteIdentifier(database)) WITH (FORCE)")
            _ = try admin.execute("CREATE DATABASE \(PGConnection.quoteIdentifier(database))")
            admin.close()
        } catch {
            fatalError("cannot create the fuzzing database \(database) on AUTHX_FUZZ_PG_URL: \(error)")
        }
        atexit {
            guard let state = SchemaRestoreFuzzing.state else { return }
            state.monitor.close()
            if let admin = try? PGConnection(conninfo: SchemaRestoreFuzzing.serverURL) {
                _ = try? admin.execute("DROP DATABASE IF EXISTS authx_fuzz_\(getpid()) WITH (FORCE)")
                admin.close()
            }
        }
        let url = replacingDatabase(of: serverURL, with: database)
        do {
            let monitor = try PGConnection(conninfo: url)
            _ = try monitor.executeScript(victimSQL)
            var new = State(url: url, monitor: monitor, monitorPID: monitor.backendPID, baseline: [:], baselineLines: [:])
            new.baseline = snapshot(new, excluding: "")
            new.baselineLines = snapshot(new, excluding: "", detailed: true)
            state = new
            return new
        } catch {
            fatalError("cannot set up the victim in \(database): \(error)")
        }
    }

    /// What an archive's SQL texts aim at: the application's tables, sequences (one never called), a role.
    static let victimSQL = """
        CREATE EXTENSION IF NOT EXISTS dblink;
        DO $$ BEGIN
            IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'authx_fuzz_app') THEN
                CREATE ROLE authx_fuzz_app LOGIN PASSWORD 'app-password' CONNECTION LIMIT 5;
            END IF;
        END $$;
        CREATE SCHEMA victim;
        CREATE TABLE victim.accounts (id bigserial PRIMARY KEY, email text UNIQUE NOT NULL, password_hash text);
        INSERT INTO victim.accounts (email, password_hash) VALUES ('a@example.org', 'pbkdf2:a'), ('b@example.org', 'pbkdf2:b');
        CREATE SEQUENCE victim.app_users_id_seq;
        SELECT setval('victim.app_users_id_seq', 100);
        CREATE SEQUENCE public.app_users_id_seq;
        SELECT setval('public.app_users_id_seq', 100);
        CREATE SEQUENCE public.never_called_seq;
        CREATE TABLE public.victim (a integer PRIMARY KEY, b text DEFAULT 'x');
        INSERT INTO public.victim VALUES (1, 'one'), (2, 'two');
        CREATE TABLE public.users (id integer PRIMARY KEY, email text);
        INSERT INTO public.users VALUES (1, 'admin@example.org');
        CREATE VIEW public.victim_view AS SELECT a FROM public.victim;
        CREATE FUNCTION public.victim_fn(integer) RETURNS integer LANGUAGE sql IMMUTABLE AS 'SELECT $1 + 1';
        GRANT SELECT ON victim.accounts TO authx_fuzz_app;
        """

    static func replacingDatabase(of url: String, with database: String) -> String {
        guard let scheme = url.range(of: "://") else { return url + " dbname=\(database)" }
        let rest = url[scheme.upperBound...]
        let query = rest.firstIndex(of: "?")
        let authorityEnd = rest[..<(query ?? rest.endIndex)].firstIndex(of: "/") ?? (query ?? rest.endIndex)
        return String(url[..<authorityEnd]) + "/" + database + (query.map { String(url[$0...]) } ?? "")
    }

    // MARK: - Snapshots

    /// Waits (up to 10 s) until the harness's own session is the only client backend of the server.
    static func waitForNoOtherBackend(_ state: State) {
        let sql = """
            SELECT pid::text || ' ' || coalesce(datname, '') || ' ' || coalesce(state, '') || ' ' || coalesce(left(query, 200), '')
            FROM pg_stat_activity WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()
            """
        var others: [String] = []
        for _ in 0..<1000 {
            guard let rows = try? state.monitor.execute(sql).rows else { return }  // the monitor check reports it
            others = rows.map { $0[0] ?? "" }
            if others.isEmpty { return }
            usleep(10_000)
        }
        fatalError("the restore left backends running 10 s after it returned: \(others)")
    }

    /// One query over every catalogue outside schema `$1` (and `pg_toast`): a `(section, line)` per catalogue row.
    static let snapshotSQL: String = {
        let outside = "NOT IN (SELECT oid FROM pg_namespace WHERE nspname = $1 OR nspname LIKE 'pg_toast%')"
        let user = "NOT IN (SELECT oid FROM pg_namespace WHERE nspname IN ($1, 'pg_catalog', 'information_schema') OR nspname LIKE 'pg_toast%')"
        let sections: [(String, String)] = [
            ("databases", "SELECT datname, datdba::regrole, datacl, datconnlimit, datallowconn, datistemplate FROM pg_database"),
            ("tablespaces", "SELECT spcname, spcacl, spcoptions FROM pg_tablespace"),
            ("roles", "SELECT rolname, rolsuper, rolinherit, rolcreaterole, rolcreatedb, rolcanlogin, rolreplication, rolbypassrls, rolconnlimit, rolvaliduntil, md5(coalesce(rolpassword, '')) FROM pg_authid"),
            ("role members", "SELECT roleid::regrole, member::regrole, admin_option FROM pg_auth_members"),
            ("role settings", "SELECT setdatabase, setrole, setconfig FROM pg_db_role_setting"),
            ("configuration files", "SELECT sourcefile, name, setting, applied FROM pg_file_settings"),
            ("schemas", "SELECT nspname, nspowner::regrole, nspacl FROM pg_namespace WHERE nspname <> $1 AND nspname NOT LIKE 'pg_temp%' AND nspname NOT LIKE 'pg_toast_temp%'"),
            ("relations", "SELECT relnamespace::regnamespace, relname, relkind, relowner::regrole, relacl, reloptions, relpersistence, relrowsecurity, relforcerowsecurity, relhastriggers, relhasrules, relreplident FROM pg_class WHERE relnamespace \(outside)"),
            ("columns", "SELECT attrelid::regclass, attname, atttypid::regtype, attnotnull, atthasdef, attisdropped, attidentity, attgenerated, attacl FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid WHERE attnum > 0 AND c.relnamespace \(user)"),
            ("defaults", "SELECT adrelid::regclass, adnum, pg_get_expr(adbin, adrelid) FROM pg_attrdef d JOIN pg_class c ON c.oid = d.adrelid WHERE c.relnamespace \(outside)"),
            ("constraints", "SELECT connamespace::regnamespace, conrelid::regclass, conname, pg_get_constraintdef(oid), convalidated FROM pg_constraint WHERE connamespace \(outside)"),
            ("indexes", "SELECT indexrelid::regclass, indrelid::regclass, indisvalid, indisready, pg_get_indexdef(indexrelid) FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid WHERE c.relnamespace \(user)"),
            ("triggers", "SELECT tgrelid::regclass, tgname, tgenabled, tgfoid::regproc FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid WHERE c.relnamespace \(outside)"),
            ("event triggers", "SELECT evtname, evtevent, evtenabled, evtfoid::regproc FROM pg_event_trigger"),
            ("rules", "SELECT ev_class::regclass, rulename, ev_enabled, CASE WHEN c.relnamespace IN ('pg_catalog'::regnamespace, 'information_schema'::regnamespace) THEN '' ELSE md5(pg_get_ruledef(r.oid)) END FROM pg_rewrite r JOIN pg_class c ON c.oid = r.ev_class WHERE c.relnamespace \(outside)"),
            ("policies", "SELECT polrelid::regclass, polname, polcmd FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid WHERE c.relnamespace \(outside)"),
            ("functions", "SELECT pronamespace::regnamespace, proname, proargtypes, proowner, proacl, provolatile, prosecdef, proconfig, CASE WHEN pronamespace = 'pg_catalog'::regnamespace THEN '' ELSE md5(prosrc) END FROM pg_proc WHERE pronamespace \(outside)"),
            ("types", "SELECT oid::regtype, typowner::regrole, typacl FROM pg_type WHERE typnamespace \(user)"),
            ("operators, casts, conversions, languages", "SELECT (SELECT count(*) FROM pg_operator), (SELECT count(*) FROM pg_cast), (SELECT count(*) FROM pg_conversion), (SELECT string_agg(lanname || ':' || coalesce(lanacl::text, ''), ',' ORDER BY lanname) FROM pg_language)"),
            ("extensions", "SELECT extname, extversion, extnamespace::regnamespace FROM pg_extension"),
            ("default privileges", "SELECT defaclrole::regrole, defaclnamespace, defaclobjtype, defaclacl FROM pg_default_acl"),
            ("publications, subscriptions, slots", "SELECT (SELECT string_agg(pubname, ',') FROM pg_publication), (SELECT count(*) FROM pg_subscription), (SELECT string_agg(slot_name, ',') FROM pg_replication_slots)"),
            ("prepared transactions", "SELECT gid, owner, database FROM pg_prepared_xacts"),
            ("large objects", "SELECT oid, lomowner::regrole, lomacl FROM pg_largeobject_metadata"),
            ("comments", "SELECT classoid::regclass, objoid, objsubid, md5(description) FROM pg_description WHERE objoid >= 16384 AND NOT (classoid = 'pg_class'::regclass AND objoid IN (SELECT c.oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1))"),
            ("statistics objects", "SELECT stxname, stxrelid::regclass FROM pg_statistic_ext WHERE stxnamespace \(outside)"),
            // Every table's rows (a digest) and every sequence's position (sequences are not transactional).
            ("rows", "SELECT oid::regclass, md5(query_to_xml(format('SELECT t::text FROM %s t ORDER BY 1', oid::regclass), false, false, '')::text) FROM pg_class WHERE relkind IN ('r', 'p', 'm') AND relnamespace \(user)"),
            ("sequences", "SELECT oid::regclass, (xpath('//last_value/text()', x))[1]::text AS last_value, (xpath('//is_called/text()', x))[1]::text AS is_called FROM (SELECT oid, query_to_xml(format('SELECT last_value, is_called FROM %s', oid::regclass), false, false, '') AS x FROM pg_class WHERE relkind = 'S' AND relnamespace \(outside)) s"),
        ]
        return sections.map { name, sql in "SELECT '\(name)' AS section, t::text AS line FROM (\(sql)) t" }
            .joined(separator: "\nUNION ALL\n")
    }()

    /// The catalogues outside schema `excluded`: each section's digest, or (`detailed`) its lines. The server
    /// settings are read by a new session, as an application's next connection would see them (`ALTER SYSTEM` and
    /// `pg_reload_conf()`, `ALTER DATABASE/ROLE … SET`); the catalogues by the harness's own session, whose caches
    /// are warm (a new session's first catalogue query is about ten times slower).
    static func snapshot(_ state: State, excluding excluded: String, detailed: Bool = false) -> [String: [String]] {
        func query(_ sections: String) -> String {
            detailed
                ? "SELECT section, line FROM (\(sections)) s ORDER BY 1, 2"
                : "SELECT section, md5(string_agg(coalesce(line, ''), E'\\n' ORDER BY line)) FROM (\(sections)) s GROUP BY 1"
        }
        do {
            var out: [String: [String]] = [:]
            for row in try state.monitor.execute(query(snapshotSQL), [excluded]).rows {
                out[row[0] ?? "", default: []].append(row[1] ?? "NULL")
            }
            let fresh = try PGConnection(conninfo: state.url)
            defer { fresh.close() }
            for row in try fresh.execute(query("SELECT 'settings' AS section, name || '=' || coalesce(setting, '') AS line FROM pg_settings")).rows {
                out[row[0] ?? "", default: []].append(row[1] ?? "NULL")
            }
            return out
        } catch {
            fatalError("cannot take a snapshot of the database: \(error)")
        }
    }

    static func difference(_ before: [String: [String]], _ after: [String: [String]]) -> String {
        var out: [String] = []
        for name in Set(before.keys).union(after.keys).sorted() {
            let a = Set(before[name] ?? []), b = Set(after[name] ?? [])
            guard a != b else { continue }
            for line in a.subtracting(b).sorted() { out.append("  \(name): - \(line)") }
            for line in b.subtracting(a).sorted() { out.append("  \(name): + \(line)") }
        }
        return out.joined(separator: "\n")
    }
}
