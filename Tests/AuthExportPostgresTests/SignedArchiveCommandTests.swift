import AuthExport
import AuthExportSQLite
import Foundation
import Testing

@testable import AuthExportPostgres

/// Signed archives end to end, with the real OpenSSH tools (`ssh-keygen`, `ssh-agent`, `ssh-add`: the test command
/// installs openssh-client; a missing tool fails): `export --sign-key`, `sign`, `verify`/`restore --allowed-signers`
/// into SQLite and PostgreSQL, from a file and from standard input, and the attack of issue 19.
@Suite(.serialized) struct SignedArchiveCommandTests {
    typealias Outcome = TestProgram.Result

    /// Runs a program (authx from `.build/debug`, else from PATH) with `stdin` as standard input; the policy of
    /// AUTHX_ALLOWED_SIGNERS only when the test gives one.
    @discardableResult
    static func run(_ program: String, _ arguments: [String], stdin: String? = nil, environment: [String: String] = [:])
        throws -> Outcome
    {
        try TestProgram.run(
            program, arguments, stdin: stdin, environment: environment,
            unset: ["AUTHX_ALLOWED_SIGNERS"])
    }

    /// A SQLite database of users, alice's and bob's Ed25519 keys (`ssh-keygen`) and an allowed_signers file
    /// trusting alice only.
    struct Setup {
        let dir: TempDir
        let database: String
        let archive: String
        let alice: String
        let bob: String
        let signers: String

        init() throws {
            dir = try TempDir()
            database = dir.file("app.db")
            let db = try SQLiteConnection(path: database, mode: .create)
            try db.execute(
                """
                CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL UNIQUE, password_hash TEXT NOT NULL);
                INSERT INTO users (email, password_hash) VALUES ('ada@example.com', 'pbkdf2:1'), ('bo@example.com', 'pbkdf2:2');
                """)
            try db.close()
            archive = dir.file("app.authx.gz")
            alice = dir.file("alice")
            bob = dir.file("bob")
            for key in [alice, bob] {
                let made = try run("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "key", "-f", key])
                guard made.status == 0 else { throw TestFailure("ssh-keygen: \(made.stderr)") }
            }
            signers = dir.file("allowed_signers")
            try write(signers, "alice@example.com \(try String(contentsOfFile: alice + ".pub", encoding: .utf8))")
        }

        func write(_ path: String, _ text: String) throws { try text.write(toFile: path, atomically: true, encoding: .utf8) }

        func publicKey(_ key: String) throws -> String {
            try String(contentsOfFile: key + ".pub", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        }

        /// `ssh-keygen -Y verify` of FILE with its FILE.sig, as alice.
        func sshVerify(_ file: String, signature: String? = nil) throws -> Outcome {
            try run(
                "ssh-keygen",
                ["-Y", "verify", "-f", signers, "-I", "alice@example.com", "-n", "auth_export", "-s", signature ?? file + ".sig"],
                stdin: file)
        }
    }

    @Test func exportSignsAndEachToolAcceptsTheOther() throws {
        let s = try Setup()
        defer { s.dir.remove() }
        let exported = try Self.run("authx", ["export", s.database, "-o", s.archive, "--sign-key", s.alice])
        #expect(exported.status == 0, "\(exported.stderr)")
        #expect(exported.stderr.contains("signed with ED25519 SHA256:"))
        var st = stat()
        #expect(stat(s.archive + ".sig", &st) == 0 && st.st_mode & 0o777 == 0o600)
        // authx's signature, checked by OpenSSH alone.
        let ssh = try s.sshVerify(s.archive)
        #expect(ssh.status == 0, "\(ssh.stderr)")
        #expect(ssh.stdout.contains("Good \"auth_export\" signature for alice@example.com"))
        // And by authx, which names the signer.
        let verified = try Self.run("authx", ["verify", s.archive, "--allowed-signers", s.signers])
        #expect(verified.status == 0, "\(verified.stderr)")
        #expect(verified.stdout.contains("signed by alice@example.com (ED25519 SHA256:"))
        let json = try Self.run("authx", ["verify", "--json", s.archive, "--allowed-signers", s.signers, "--signer", "alice@example.com"])
        let report = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        let signature = report?["signature"] as? [String: Any]
        #expect(signature?["principal"] as? String == "alice@example.com" && signature?["key_type"] as? String == "ED25519")
        #expect((signature?["fingerprint"] as? String)?.hasPrefix("SHA256:") == true)

        // A signature made by ssh-keygen -Y sign, checked by authx.
        try FileManager.default.removeItem(atPath: s.archive + ".sig")
        let sshSigned = try Self.run("ssh-keygen", ["-Y", "sign", "-f", s.alice, "-n", "auth_export", s.archive])
        #expect(sshSigned.status == 0, "\(sshSigned.stderr)")
        let accepted = try Self.run("authx", ["verify", s.archive, "--allowed-signers", s.signers])
        #expect(accepted.status == 0, "\(accepted.stderr)")
        #expect(accepted.stdout.contains("signed by alice@example.com"))

        // authx sign of an existing archive, to another path: OpenSSH accepts it.
        let signed = try Self.run("authx", ["sign", s.archive, "--key", s.alice, "--signature", s.dir.file("other.sig")])
        #expect(signed.status == 0, "\(signed.stderr)")
        #expect(try s.sshVerify(s.archive, signature: s.dir.file("other.sig")).status == 0)
        // The .sig sits beside the archive: inspect says so.
        let inspected = try Self.run("authx", ["inspect", s.archive, "--allowed-signers", s.signers])
        #expect(inspected.status == 0, "\(inspected.stderr)")
        #expect(inspected.stdout.contains("signature: \(s.archive).sig, signed by alice@example.com (ED25519 SHA256:"))
    }

    @Test func eachRefusalExitsOneWithItsOwnMessageBeforeAnyOtherCheck() throws {
        let s = try Setup()
        defer { s.dir.remove() }
        #expect(try Self.run("authx", ["export", s.database, "-o", s.archive, "--sign-key", s.alice]).status == 0)
        func refused(_ arguments: [String], _ expected: String, environment: [String: String] = [:]) throws {
            let result = try Self.run("authx", arguments, environment: environment)
            #expect(result.status == 1, "\(arguments): \(result.stderr)")
            #expect(result.stderr.contains(expected), "\(arguments): \(result.stderr)")
            #expect(result.stderr.split(separator: "\n").count == 1, "one line: \(result.stderr)")
        }
        let pub = try s.publicKey(s.alice)
        // Principal mismatch.
        try refused(["verify", s.archive, "--allowed-signers", s.signers, "--signer", "bob@example.com"], "not for bob@example.com")
        // Expired valid-before; a namespace the key is not allowed for.
        try s.write(s.dir.file("expired"), "alice@example.com valid-before=20200101Z \(pub)\n")
        try refused(["verify", s.archive, "--allowed-signers", s.dir.file("expired")], "expired at 2020-01-01T00:00:00Z")
        try s.write(s.dir.file("gitonly"), "alice@example.com namespaces=\"git\" \(pub)\n")
        try refused(["verify", s.archive, "--allowed-signers", s.dir.file("gitonly")], "allows only for namespaces \"git\"")
        // Wrong key: bob signs; alice only is allowed.
        #expect(try Self.run("authx", ["sign", s.archive, "--key", s.bob]).status == 0)
        try refused(["verify", s.archive, "--allowed-signers", s.signers], "not in \(s.signers)")
        // Wrong namespace: signed for git.
        try FileManager.default.removeItem(atPath: s.archive + ".sig")
        #expect(try Self.run("ssh-keygen", ["-Y", "sign", "-f", s.alice, "-n", "git", s.archive]).status == 0)
        try refused(["verify", s.archive, "--allowed-signers", s.signers], "namespace \"git\", not \"auth_export\"")
        // Unsigned — and corrupt too: the signature is the first check, so that is what is reported.
        try FileManager.default.removeItem(atPath: s.archive + ".sig")
        var bytes = try Data(contentsOf: URL(fileURLWithPath: s.archive))
        bytes[bytes.count / 2] ^= 0xFF
        try bytes.write(to: URL(fileURLWithPath: s.archive))
        try refused(["verify", s.archive, "--allowed-signers", s.signers], "unsigned")
        // The policy from the environment (cron jobs): restore refuses the same way, target untouched.
        let target = s.dir.file("restored.db")
        try refused(["restore", s.archive, "--to", target], "unsigned", environment: ["AUTHX_ALLOWED_SIGNERS": s.signers])
        #expect(!FileManager.default.fileExists(atPath: target))
        // A cert-authority line is refused clearly (exit 2: the policy, not the archive).
        try s.write(s.dir.file("ca"), "*@example.com cert-authority \(pub)\n")
        let ca = try Self.run("authx", ["verify", s.archive, "--allowed-signers", s.dir.file("ca")])
        #expect(ca.status == 2 && ca.stderr.contains("cert-authority lines are not supported"), "\(ca.stderr)")
    }

    /// The attack of issue 19: whoever can write to the backup store rewrites a signed archive (one more user,
    /// every checksum, count and the index recomputed, so plain `verify` passes). The signature catches it and no
    /// restore touches its target, from a file or a pipe, SQLite or PostgreSQL.
    @Test func aRewrittenArchiveIsRefusedAndNoTargetIsTouched() throws {
        let s = try Setup()
        defer { s.dir.remove() }
        #expect(try Self.run("authx", ["export", s.database, "-o", s.archive, "--sign-key", s.alice]).status == 0)
        let genuine = s.dir.file("genuine.authx.gz")
        try FileManager.default.copyItem(atPath: s.archive, toPath: genuine)
        try FileManager.default.copyItem(atPath: s.archive + ".sig", toPath: genuine + ".sig")

        // The attacker's rewrite, with the library's own writer: everything recomputed. (Written elsewhere and moved
        // over the archive: authx's writer itself removes the old `.sig` when it replaces a file, the attacker's
        // tools keep it.)
        let forged = s.dir.file("forged.authx.gz")
        let reader = try ArchiveReader(path: genuine)
        var options = ArchiveWriter.Options()
        options.threads = 1
        var writer: ArchiveWriter?
        while let record = try reader.next() {
            switch record {
            case .header(let header): writer = try ArchiveWriter(path: forged, overwrite: true, header: header, options: options)
            case .table(let schema): try writer?.beginTable(schema)
            case .row(let values): try writer?.append(values)
            case .tableEnd:
                try writer?.append([.integer(999), .text("mallory@evil.example"), .text("pbkdf2:known")])
                try writer?.endTable()
            case .object(let object): try writer?.append(object)
            case .extensionRecord, .end: break
            }
        }
        try writer?.finish()
        for suffix in ["", ".sha256"] {  // the attacker recomputes the checksum sidecar too
            try FileManager.default.removeItem(atPath: s.archive + suffix)
            try FileManager.default.moveItem(atPath: forged + suffix, toPath: s.archive + suffix)
        }
        let plain = try Self.run("authx", ["verify", s.archive])
        #expect(plain.status == 0 && plain.stdout.contains("3 rows"), "plain verify passes the forgery: \(plain.stdout) \(plain.stderr)")
        let checked = try Self.run("authx", ["verify", s.archive, "--allowed-signers", s.signers])
        #expect(checked.status == 1 && checked.stderr.contains("does not match the file"), "\(checked.stderr)")
        #expect(try s.sshVerify(s.archive).status != 0)  // OpenSSH agrees

        // SQLite: from the file (refused before reading) and from a pipe (refused at the end, nothing published).
        let sqliteTarget = s.dir.file("restored.db")
        for (archive, stdin) in [(s.archive, nil), ("-", s.archive)] as [(String, String?)] {
            var arguments = ["restore", archive, "--to", sqliteTarget, "--allowed-signers", s.signers]
            if stdin != nil { arguments += ["--signature", s.archive + ".sig"] }
            let result = try Self.run("authx", arguments, stdin: stdin)
            #expect(result.status == 1 && result.stderr.contains("does not match the file"), "\(arguments): \(result.stderr)")
            #expect(!FileManager.default.fileExists(atPath: sqliteTarget))
            let leftovers = try FileManager.default.contentsOfDirectory(atPath: s.dir.path).filter { $0.contains("restored") }
            #expect(leftovers.isEmpty, "\(leftovers)")
        }
        // PostgreSQL: the same, and the database is exactly as it was.
        let db = try TestDatabase()
        defer { db.drop() }
        try db.execute("CREATE TABLE keep (id int PRIMARY KEY); INSERT INTO keep VALUES (1), (2);")
        let before = try db.snapshot()
        for (archive, stdin) in [(s.archive, nil), ("-", s.archive)] as [(String, String?)] {
            var arguments = ["restore", archive, "--to", db.url, "--allowed-signers", s.signers]
            if stdin != nil { arguments += ["--signature", s.archive + ".sig"] }
            let result = try Self.run("authx", arguments, stdin: stdin)
            #expect(result.status == 1 && result.stderr.contains("does not match the file"), "\(arguments): \(result.stderr)")
            #expect(try db.snapshot() == before)
        }

        // The genuine archive restores, from a pipe too, into both, naming its signer.
        let fromPipe = try Self.run(
            "authx", ["restore", "-", "--to", db.url, "--allowed-signers", s.signers, "--signature", genuine + ".sig"], stdin: genuine)
        #expect(fromPipe.status == 0 && fromPipe.stderr.contains("signed by alice@example.com"), "\(fromPipe.stderr)")
        #expect(try db.value("SELECT count(*) FROM users") == "2")
        let fromFile = try Self.run("authx", ["restore", genuine, "--to", sqliteTarget, "--allowed-signers", s.signers])
        #expect(fromFile.status == 0, "\(fromFile.stderr)")
        let sqlitePipe = try Self.run(
            "authx", ["restore", "-", "--to", s.dir.file("piped.db"), "--allowed-signers", s.signers, "--signature", genuine + ".sig"],
            stdin: genuine)
        #expect(sqlitePipe.status == 0, "\(sqlitePipe.stderr)")
    }

    /// `verify --allowed-signers` reads the archive once: the signature over the bytes is judged on the
    /// verification's read (the bytes read by the process, `rchar`, exceed plain verify's by far less than the
    /// archive). A bad signature is still what is reported when the archive is damaged too, and a damaged archive
    /// under a good signature is reported as damaged.
    @Test func verifyReadsTheArchiveOnceAndABadSignatureIsStillReportedFirst() throws {
        let s = try Setup()
        defer { s.dir.remove() }
        let db = try SQLiteConnection(path: s.database, mode: .readWrite)
        try db.execute(
            """
            CREATE TABLE tokens (id INTEGER PRIMARY KEY, digest TEXT NOT NULL);
            WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 40000)
            INSERT INTO tokens SELECT i, hex(randomblob(64)) FROM n;
            """)
        try db.close()
        #expect(try Self.run("authx", ["export", s.database, "-o", s.archive, "--sign-key", s.alice]).status == 0)
        let size = Int(try FileManager.default.attributesOfItem(atPath: s.archive)[.size] as? Int ?? 0)
        #expect(size > 2_000_000, "a few MB of archive, so that reading it once more shows: \(size) bytes")

        /// What authx read (rchar, summed into the shell's /proc/PID/io when it reaps authx) and its exit status.
        func bytesRead(_ arguments: [String]) throws -> (read: Int, status: Int32) {
            let script = #""$0" "$@" >/dev/null 2>&1; status=$?; sed -n 's/^rchar: //p' /proc/$$/io; exit $status"#
            let result = try Self.run("/bin/sh", ["-c", script, TestProgram.authx] + arguments)
            let read = Int(result.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
            #expect(read != nil, "no rchar from /proc: \(result.stdout) \(result.stderr)")
            return (read ?? 0, result.status)
        }
        let plain = try bytesRead(["verify", s.archive])
        let signed = try bytesRead(["verify", s.archive, "--allowed-signers", s.signers])
        #expect(plain.status == 0 && signed.status == 0)
        #expect(plain.read >= size, "plain verify read \(plain.read) bytes of a \(size)-byte archive")
        #expect(signed.read - plain.read < size / 2, "verify --allowed-signers read \(signed.read - plain.read) bytes more than verify (archive: \(size))")
        let verified = try Self.run("authx", ["verify", s.archive, "--allowed-signers", s.signers])
        #expect(verified.status == 0 && verified.stdout.contains("signed by alice@example.com (ED25519 SHA256:"), "\(verified.stdout)")

        // Damaged after signing: the reader stops at the damage, and the signature, judged by reading the file to
        // its end, is what is reported (one line, exit 1), not the damage.
        var bytes = try Data(contentsOf: URL(fileURLWithPath: s.archive))
        bytes[bytes.count / 2] ^= 0xFF
        try bytes.write(to: URL(fileURLWithPath: s.archive))
        let damaged = try Self.run("authx", ["verify", s.archive, "--allowed-signers", s.signers])
        #expect(damaged.status == 1 && damaged.stderr.contains("does not match the file"), "\(damaged.stderr)")
        #expect(damaged.stderr.split(separator: "\n").count == 1 && damaged.stdout.isEmpty, "\(damaged.stdout) \(damaged.stderr)")
        // The damaged bytes signed: the signature holds, and the damage is reported as plain verify reports it.
        #expect(try Self.run("authx", ["sign", s.archive, "--key", s.alice]).status == 0)
        let plainDamaged = try Self.run("authx", ["verify", s.archive])
        let signedDamaged = try Self.run("authx", ["verify", s.archive, "--allowed-signers", s.signers])
        #expect(plainDamaged.status == 1 && plainDamaged.stderr.contains("INVALID"), "\(plainDamaged.stderr)")
        #expect(signedDamaged.status == 1 && signedDamaged.stderr == plainDamaged.stderr, "\(signedDamaged.stderr)")
    }

    /// A real `ssh-agent -D -a SOCKET` started by a test and killed by ``stop()`` (call it in a `defer`).
    ///
    /// Stopped with SIGKILL, not SIGTERM: a process started from a test thread inherits that thread's signal mask,
    /// in which SIGTERM is blocked, so `Process.terminate()` never reaches the agent and `waitUntilExit()` waited
    /// forever (why this test hung before).
    final class RunningAgent {
        let socket: String
        private let process = Process()

        init(socket: String) throws {
            self.socket = socket
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["ssh-agent", "-D", "-a", socket]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            process.standardInput = FileHandle.nullDevice
            try process.run()
            for _ in 0..<200 where !FileManager.default.fileExists(atPath: socket) && process.isRunning { usleep(25_000) }
            guard FileManager.default.fileExists(atPath: socket) else {
                stop()
                throw TestFailure("ssh-agent did not create its socket \(socket) (is openssh-client installed? run scripts/test)")
            }
        }

        /// Stops answering (SIGSTOP) or answers again (SIGCONT): a real agent that does not answer.
        func pause(_ paused: Bool) { kill(process.processIdentifier, paused ? SIGSTOP : SIGCONT) }

        func stop() {
            guard process.isRunning else { return }
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    /// Signing through a real ssh-agent holding a passphrase-protected key (added with ssh-add, the passphrase
    /// given by an SSH_ASKPASS script): KEY may name the public key or the encrypted private key. Without an agent,
    /// with an agent lacking the key, and with an agent that does not answer, a one-line error and no archive.
    @Test(.timeLimit(.minutes(1)))
    func signsThroughSSHAgentWithAPassphraseProtectedKey() throws {
        let s = try Setup()
        defer { s.dir.remove() }
        let locked = s.dir.file("locked")
        let passphrase = "correct horse"
        #expect(try Self.run("ssh-keygen", ["-q", "-t", "ed25519", "-N", passphrase, "-C", "locked", "-f", locked]).status == 0)
        try s.write(s.signers, "alice@example.com \(try s.publicKey(locked))\n")
        func isOneLine(_ text: String) -> Bool { text.split(separator: "\n").count == 1 }

        // No agent: the encrypted private key is a usage error (2), the public key a runtime one (3); no archive.
        let noAgent = try Self.run("authx", ["export", s.database, "-o", s.archive, "--sign-key", locked], environment: ["SSH_AUTH_SOCK": ""])
        #expect(noAgent.status == 2 && noAgent.stderr.contains("passphrase-protected") && isOneLine(noAgent.stderr), "\(noAgent.stderr)")
        let noAgentPub = try Self.run(
            "authx", ["export", s.database, "-o", s.archive, "--sign-key", locked + ".pub"], environment: ["SSH_AUTH_SOCK": ""])
        #expect(noAgentPub.status == 3 && noAgentPub.stderr.contains("SSH_AUTH_SOCK is not set") && isOneLine(noAgentPub.stderr), "\(noAgentPub.stderr)")
        #expect(!FileManager.default.fileExists(atPath: s.archive) && !FileManager.default.fileExists(atPath: s.archive + ".sig"))

        let agent = try RunningAgent(socket: s.dir.file("agent.sock"))
        defer { agent.stop() }
        let env = ["SSH_AUTH_SOCK": agent.socket]
        // The agent does not hold the key yet.
        let missing = try Self.run("authx", ["sign", s.database, "--key", locked + ".pub"], environment: env)
        #expect(missing.status == 3 && missing.stderr.contains("does not hold the key") && isOneLine(missing.stderr), "\(missing.stderr)")
        let missingExport = try Self.run("authx", ["export", s.database, "-o", s.archive, "--sign-key", locked + ".pub"], environment: env)
        #expect(missingExport.status == 3 && missingExport.stderr.contains("does not hold the key"), "\(missingExport.stderr)")
        #expect(!FileManager.default.fileExists(atPath: s.archive) && !FileManager.default.fileExists(atPath: s.database + ".sig"))

        let askpass = s.dir.file("askpass.sh")
        try s.write(askpass, "#!/bin/sh\necho '\(passphrase)'\n")
        chmod(askpass, 0o700)
        let added = try Self.run("ssh-add", [locked], environment: env.merging(["SSH_ASKPASS": askpass, "SSH_ASKPASS_REQUIRE": "force"]) { $1 })
        #expect(added.status == 0, "ssh-add: \(added.stderr)")

        let exported = try Self.run("authx", ["export", s.database, "-o", s.archive, "--sign-key", locked + ".pub"], environment: env)
        #expect(exported.status == 0, "\(exported.stderr)")
        #expect(!exported.stderr.contains(passphrase) && !exported.stdout.contains(passphrase))
        let checked = try s.sshVerify(s.archive)
        #expect(checked.status == 0 && checked.stdout.contains("Good \"auth_export\" signature for alice@example.com"), "\(checked.stderr)")
        let verified = try Self.run("authx", ["verify", s.archive, "--allowed-signers", s.signers])
        #expect(verified.status == 0 && verified.stdout.contains("signed by alice@example.com"), "\(verified.stderr)")
        // The encrypted private key file works too: its public half names the agent's key.
        let signed = try Self.run("authx", ["sign", s.archive, "--key", locked, "--signature", s.dir.file("b.sig")], environment: env)
        #expect(signed.status == 0, "\(signed.stderr)")
        #expect(try s.sshVerify(s.archive, signature: s.dir.file("b.sig")).status == 0)

        // An agent that does not answer (stopped): authx gives up after AUTHX_SSH_AGENT_TIMEOUT with one line.
        agent.pause(true)
        let stalled = try Self.run(
            "authx", ["sign", s.archive, "--key", locked + ".pub", "--signature", s.dir.file("c.sig")],
            environment: env.merging(["AUTHX_SSH_AGENT_TIMEOUT": "1"]) { $1 })
        agent.pause(false)
        #expect(stalled.status == 3 && stalled.stderr.contains("did not answer within 1 s") && isOneLine(stalled.stderr), "\(stalled.stderr)")
        #expect(!FileManager.default.fileExists(atPath: s.dir.file("c.sig")))
        let badTimeout = try Self.run(
            "authx", ["sign", s.archive, "--key", locked + ".pub", "--signature", s.dir.file("c.sig")],
            environment: env.merging(["AUTHX_SSH_AGENT_TIMEOUT": "soon"]) { $1 })
        #expect(badTimeout.status == 3 && badTimeout.stderr.contains("AUTHX_SSH_AGENT_TIMEOUT must be"), "\(badTimeout.stderr)")
    }
}
