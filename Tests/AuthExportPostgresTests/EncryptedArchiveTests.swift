import AuthExport
import AuthExportSQLite
import Foundation
import Testing

@testable import AuthExportPostgres

/// Encrypted archives end to end, against the real `age` binary both ways: authx encrypts → age decrypts, age
/// encrypts → authx verifies, inspects and restores (SQLite and PostgreSQL); X25519 keys and passphrases (age's
/// passphrase prompt is driven through a pty with `expect`); several recipients; the errors without a usable key.
@Suite(.serialized) struct EncryptedArchiveTests {
    typealias Result = TestProgram.Result

    /// Runs a program (a path); `stdin` is a file path (or nothing: /dev/null). A passphrase file of the test
    /// environment never leaks into it.
    @discardableResult
    static func run(_ program: String, _ arguments: [String], stdin: String? = nil, environment: [String: String] = [:])
        throws -> Result
    {
        try TestProgram.run(program, arguments, stdin: stdin, environment: environment, unset: ["AUTHX_PASSPHRASE_FILE"])
    }

    static func authx(_ arguments: [String], stdin: String? = nil, environment: [String: String] = [:]) throws -> Result {
        let binary = TestArchives.repositoryRoot() + "/.build/debug/authx"
        guard FileManager.default.isExecutableFile(atPath: binary) else {
            throw TestFailure("\(binary) not found: run `swift build` first (scripts/test does)")
        }
        return try run(binary, arguments, stdin: stdin, environment: environment)
    }

    /// A peer tool; missing is a failure, never a skip.
    static func tool(_ name: String) throws -> String {
        for dir in ["/usr/bin", "/usr/local/bin", "/bin"] where FileManager.default.isExecutableFile(atPath: "\(dir)/\(name)") {
            return "\(dir)/\(name)"
        }
        throw TestFailure("\(name) is not installed: scripts/test installs it (Debian package \(name == "age-keygen" ? "age" : name))")
    }

    /// A SQLite database with users (random password hashes: incompressible, so the archive spans many 64 KiB
    /// chunks and several gzip members) and sessions referencing them.
    static func database(in dir: TempDir, users: Int = 30_000) throws -> String {
        let path = dir.file("app.db")
        let db = try SQLiteConnection(path: path, mode: .create)
        try db.execute(
            """
            CREATE TABLE users(id INTEGER PRIMARY KEY, email TEXT NOT NULL UNIQUE, password_hash TEXT NOT NULL);
            CREATE TABLE sessions(token TEXT PRIMARY KEY, user_id INTEGER NOT NULL REFERENCES users(id));
            WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < \(users))
            INSERT INTO users SELECT i, 'user' || i || '@example.com', hex(randomblob(32)) FROM n;
            INSERT INTO sessions SELECT hex(randomblob(16)), id FROM users WHERE id % 3 = 0;
            """)
        try db.close()
        return path
    }

    /// `authx keygen -o DIR/NAME`; returns (key file, public key).
    static func keygen(_ dir: TempDir, _ name: String) throws -> (String, String) {
        let key = dir.file(name)
        let result = try authx(["keygen", "-o", key])
        #expect(result.status == 0, "\(result.stderr)")
        let line = result.stderr.split(separator: "\n").first { $0.hasPrefix("Public key: ") }
        let publicKey = line.map { String($0.dropFirst("Public key: ".count)) } ?? ""
        #expect(publicKey.hasPrefix("age1"))
        return (key, publicKey)
    }

    static func isAge(_ path: String) throws -> Bool {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        return data.starts(with: Array("age-encryption.org/v1\n".utf8))
    }

    @Test func keygenWritesAPrivateKeyOnceAndAgeAcceptsIt() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let (key, publicKey) = try Self.keygen(dir, "key.txt")
        let attributes = try FileManager.default.attributesOfItem(atPath: key)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        let text = try String(contentsOfFile: key, encoding: .utf8)
        #expect(text.contains("# public key: \(publicKey)\nAGE-SECRET-KEY-1"))
        // age-keygen -y derives the same public key from authx's file.
        let derived = try Self.run(try Self.tool("age-keygen"), ["-y", key])
        #expect(derived.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == publicKey)
        // The secret never reaches the terminal output.
        let secret = text.split(separator: "\n").first { $0.hasPrefix("AGE-SECRET-KEY-1") }.map(String.init) ?? "?"
        let again = try Self.authx(["keygen", "-o", key])
        #expect(again.status == 3)
        #expect(again.stderr.contains("already exists"))
        #expect(try String(contentsOfFile: key, encoding: .utf8) == text)
        #expect(!again.stderr.contains(secret))
    }

    @Test func authxEncryptsAgeDecryptsAndSidecarIsOfTheCiphertext() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let db = try Self.database(in: dir)
        let (key, publicKey) = try Self.keygen(dir, "key.txt")
        let archive = dir.file("app.authx.gz.age")
        let export = try Self.authx(["export", db, "-o", archive, "--recipient", publicKey])
        #expect(export.status == 0, "\(export.stderr)")
        #expect(try Self.isAge(archive))
        #expect((try FileManager.default.attributesOfItem(atPath: archive)[.posixPermissions] as? Int) == 0o600)
        // sha256sum -c works unchanged: the sidecar is of the bytes written.
        let check = try Self.run("/bin/sh", ["-c", "cd '\(dir.path)' && sha256sum -c app.authx.gz.age.sha256"])
        #expect(check.status == 0, "\(check.stdout)\(check.stderr)")
        // age -d gives back the plain archive, which verifies.
        let plain = dir.file("plain.authx.gz")
        let age = try Self.run(try Self.tool("age"), ["-d", "-i", key, "-o", plain, archive])
        #expect(age.status == 0, "\(age.stderr)")
        let verifyPlain = try Self.authx(["verify", plain])
        #expect(verifyPlain.status == 0, "\(verifyPlain.stderr)")
        #expect(verifyPlain.stdout.contains("2 tables, 40000 rows"))
        // authx reads its own encrypted file, from the file and from standard input.
        let verify = try Self.authx(["verify", "--identity", key, archive])
        #expect(verify.status == 0, "\(verify.stderr)")
        #expect(verify.stdout.contains("2 tables, 40000 rows"))
        // inspect decrypts only the chunks holding what it reads of the plain archive (the header member, the end
        // member, each table's first member): at most two more chunks per place than the plain inspect reads.
        func bytesRead(_ arguments: [String]) throws -> (read: Int, size: Int) {
            let inspect = try Self.authx(["inspect", "--json"] + arguments)
            #expect(inspect.status == 0, "\(inspect.stderr)")
            let listing = try JSONSerialization.jsonObject(with: Data(inspect.stdout.utf8)) as? [String: Any]
            return (try #require(listing?["bytes_read"] as? Int), try #require(listing?["file_bytes"] as? Int))
        }
        let encrypted = try bytesRead(["--identity", key, archive])
        let plainRead = try bytesRead([plain]).read
        #expect(encrypted.size > 20 * 65_552, "the test archive should span many chunks")
        let places = 2 + 2  // header, end, two tables
        #expect(encrypted.read <= plainRead + places * 2 * 65_552 + 4_096, "inspect read \(encrypted.read) of \(encrypted.size) bytes (plain: \(plainRead))")
        let fromStdin = try Self.authx(["verify", "--identity", key, "-"], stdin: archive)
        #expect(fromStdin.status == 0, "\(fromStdin.stderr)")
        // -o - writes the same kind of file to standard output.
        let piped = try Self.run(
            "/bin/sh", ["-c", "'\(TestArchives.repositoryRoot())/.build/debug/authx' export '\(db)' -o - --recipient \(publicKey) --quiet > '\(dir.file("piped.age"))'"])
        #expect(piped.status == 0, "\(piped.stderr)")
        #expect(try Self.isAge(dir.file("piped.age")))
        let agePiped = try Self.run(try Self.tool("age"), ["-d", "-i", key, "-o", dir.file("piped.gz"), dir.file("piped.age")])
        #expect(agePiped.status == 0, "\(agePiped.stderr)")
        #expect(try Self.authx(["verify", dir.file("piped.gz")]).status == 0)
    }

    /// Signing and encryption compose: the signature is over the exact bytes of the file (the ciphertext), so
    /// OpenSSH checks it without the key, authx checks it before decrypting, and a re-encryption of the same plain
    /// archive (what anyone holding the recipient's public key can make) is refused.
    @Test func signedAndEncryptedArchiveVerifiesAndAReEncryptionIsRefused() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let db = try Self.database(in: dir, users: 2_000)
        let (key, publicKey) = try Self.keygen(dir, "key.txt")
        let signingKey = dir.file("alice")
        let made = try Self.run(try Self.tool("ssh-keygen"), ["-q", "-t", "ed25519", "-N", "", "-C", "alice", "-f", signingKey])
        #expect(made.status == 0, "\(made.stderr)")
        let signers = dir.file("allowed_signers")
        try "alice@example.com \(try String(contentsOfFile: signingKey + ".pub", encoding: .utf8))"
            .write(toFile: signers, atomically: true, encoding: .utf8)
        let archive = dir.file("app.authx.gz.age")
        let export = try Self.authx(["export", db, "-o", archive, "--recipient", publicKey, "--sign-key", signingKey])
        #expect(export.status == 0, "\(export.stderr)")
        #expect(try Self.isAge(archive))
        // OpenSSH checks the signature over the encrypted bytes, without any age key.
        let ssh = try Self.run(
            try Self.tool("ssh-keygen"),
            ["-Y", "verify", "-f", signers, "-I", "alice@example.com", "-n", "auth_export", "-s", archive + ".sig"], stdin: archive)
        #expect(ssh.status == 0, "\(ssh.stderr)")
        // authx: verify from the file and from a pipe, inspect, restore into SQLite.
        let verified = try Self.authx(["verify", archive, "--identity", key, "--allowed-signers", signers])
        #expect(verified.status == 0 && verified.stdout.contains("signed by alice@example.com"), "\(verified.stdout)\(verified.stderr)")
        let piped = try Self.authx(
            ["verify", "-", "--identity", key, "--allowed-signers", signers, "--signature", archive + ".sig"], stdin: archive)
        #expect(piped.status == 0 && piped.stdout.contains("signed by alice@example.com"), "\(piped.stdout)\(piped.stderr)")
        let inspected = try Self.authx(["inspect", archive, "--identity", key, "--allowed-signers", signers])
        #expect(inspected.status == 0 && inspected.stdout.contains("signed by alice@example.com"), "\(inspected.stderr)")
        let target = dir.file("restored.db")
        let restored = try Self.authx(["restore", archive, "--to", target, "--identity", key, "--allowed-signers", signers])
        #expect(restored.status == 0, "\(restored.stderr)")

        // The same plain archive encrypted again to the same recipient: valid age, same plaintext, other bytes.
        let plain = dir.file("plain.authx.gz")
        #expect(try Self.run(try Self.tool("age"), ["-d", "-i", key, "-o", plain, archive]).status == 0)
        let forged = dir.file("forged.authx.gz.age")
        #expect(try Self.run(try Self.tool("age"), ["-r", publicKey, "-o", forged, plain]).status == 0)
        try FileManager.default.copyItem(atPath: archive + ".sig", toPath: forged + ".sig")
        #expect(try Self.authx(["verify", forged, "--identity", key]).status == 0)  // fine without a signature policy
        let refused = try Self.authx(["verify", forged, "--identity", key, "--allowed-signers", signers])
        #expect(refused.status == 1 && refused.stderr.contains("does not match the file"), "\(refused.stderr)")
        let refusedPipe = try Self.authx(
            ["verify", "-", "--identity", key, "--allowed-signers", signers, "--signature", forged + ".sig"], stdin: forged)
        #expect(refusedPipe.status == 1 && refusedPipe.stderr.contains("does not match the file"), "\(refusedPipe.stderr)")
        let other = dir.file("other.db")
        let refusedRestore = try Self.authx(["restore", forged, "--to", other, "--identity", key, "--allowed-signers", signers])
        #expect(refusedRestore.status == 1, "\(refusedRestore.stderr)")
        #expect(!FileManager.default.fileExists(atPath: other))
    }

    /// `authx diff` reads encrypted archives with the same --identity/--passphrase-file options as the other
    /// reading commands: two encrypted archives, a plain one against an encrypted one (either order, the key of a
    /// passphrase archive from a file), and the usage error without a key.
    @Test func diffComparesEncryptedArchives() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let db = try Self.database(in: dir, users: 3_000)
        let (key, publicKey) = try Self.keygen(dir, "key.txt")
        let passphrase = dir.file("passphrase.txt")
        try "correct horse battery staple\n".write(toFile: passphrase, atomically: true, encoding: .utf8)
        chmod(passphrase, 0o600)
        let plainOld = dir.file("old.authx.gz")
        let old = dir.file("old.authx.gz.age")
        let new = dir.file("new.authx.gz.age")
        let newScrypt = dir.file("new-pass.authx.gz.age")
        #expect(try Self.authx(["export", db, "-o", plainOld, "--quiet"]).status == 0)
        #expect(try Self.authx(["export", db, "-o", old, "--recipient", publicKey, "--quiet"]).status == 0)
        let connection = try SQLiteConnection(path: db, mode: .readWrite)
        try connection.execute(
            """
            UPDATE users SET password_hash = 'pbkdf2:new' WHERE id IN (7, 8);
            DELETE FROM sessions WHERE user_id = 9; DELETE FROM users WHERE id = 9;
            INSERT INTO users VALUES (3001, 'new@example.com', 'pbkdf2:x');
            """)
        try connection.close()
        #expect(try Self.authx(["export", db, "-o", new, "--recipient", publicKey, "--quiet"]).status == 0)
        #expect(try Self.authx(["export", db, "-o", newScrypt, "--passphrase-file", passphrase, "--quiet"]).status == 0)
        #expect(try Self.isAge(old) && Self.isAge(new) && Self.isAge(newScrypt))

        let expected = "users: 1 added, 1 removed, 2 changed (password_hash 2)"
        for (a, b, extra) in [
            (old, new, ["--identity", key]), (plainOld, new, ["--identity", key]),
            (plainOld, newScrypt, ["--passphrase-file", passphrase]),
            (old, newScrypt, ["--identity", key, "--passphrase-file", passphrase]),
        ] {
            let diff = try Self.authx(["diff", a, b] + extra)
            #expect(diff.status == 1, "\(a) \(b): \(diff.stderr)")
            #expect(diff.stdout.contains(expected), "\(diff.stdout)")
            #expect(diff.stdout.contains("sessions: 0 added, 1 removed, 0 changed"), "\(diff.stdout)")
            #expect(diff.stdout.contains("removed: id=9"), "\(diff.stdout)")
        }
        // The same data, plain against encrypted: exit 0. From standard input too.
        let same = try Self.authx(["diff", plainOld, old, "--identity", key])
        #expect(same.status == 0 && same.stdout.contains("SAME"), "\(same.stdout)\(same.stderr)")
        let piped = try Self.authx(["diff", "-", new, "--identity", key, "--json"], stdin: old)
        #expect(piped.status == 1, "\(piped.stderr)")
        let report = try JSONSerialization.jsonObject(with: Data(piped.stdout.utf8)) as? [String: Any]
        let users = (report?["tables"] as? [[String: Any]])?.first { $0["table"] as? String == "users" || $0["name"] as? String == "users" }
        #expect(users?["added"] as? Int == 1 && users?["removed"] as? Int == 1 && users?["changed"] as? Int == 2, "\(piped.stdout)")
        // Without a key: the usage error every reading command gives, naming the archive; nothing compared.
        let noKey = try Self.authx(["diff", plainOld, new])
        #expect(noKey.status == 2, "\(noKey.stderr)")
        #expect(noKey.stderr.contains("age-encrypted auth_export archive"), "\(noKey.stderr)")
        #expect(noKey.stdout.isEmpty)
        let wrongKey = try Self.keygen(dir, "other.txt").0
        let wrong = try Self.authx(["diff", old, new, "--identity", wrongKey])
        #expect(wrong.status == 2 && wrong.stderr.contains("age-encrypted auth_export archive"), "\(wrong.stderr)")
    }

    @Test func ageEncryptsAuthxVerifiesInspectsAndRestoresIntoSQLiteAndPostgreSQL() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let db = try Self.database(in: dir, users: 20_000)
        let plain = dir.file("plain.authx.gz")
        #expect(try Self.authx(["export", db, "-o", plain, "--quiet"]).status == 0)
        let (keyA, publicA) = try Self.keygen(dir, "a.txt")
        let (keyB, publicB) = try Self.keygen(dir, "b.txt")
        let (keyC, _) = try Self.keygen(dir, "c.txt")
        let archive = dir.file("x.age")
        let age = try Self.run(try Self.tool("age"), ["-r", publicA, "-r", publicB, "-o", archive, plain])
        #expect(age.status == 0, "\(age.stderr)")
        for key in [keyA, keyB] {
            let verify = try Self.authx(["verify", "--identity", key, archive])
            #expect(verify.status == 0, "\(verify.stderr)")
        }
        let inspect = try Self.authx(["inspect", "--identity", keyB, "--json", archive])
        #expect(inspect.status == 0, "\(inspect.stderr)")
        let listing = try JSONSerialization.jsonObject(with: Data(inspect.stdout.utf8)) as? [String: Any]
        #expect(listing?["rows"] as? Int == 26_666)
        #expect((listing?["encryption"] as? String)?.contains("2 recipients") == true)
        // The wrong key: a clear error, exit 2, naming what the file is and what to pass; never a key.
        let wrong = try Self.authx(["verify", "--identity", keyC, archive])
        #expect(wrong.status == 2)
        #expect(wrong.stderr.contains("age-encrypted auth_export archive for 2 recipients"), "\(wrong.stderr)")
        #expect(wrong.stderr.contains("--identity"))
        #expect(!wrong.stderr.contains("AGE-SECRET-KEY"))
        let none = try Self.authx(["inspect", archive])
        #expect(none.status == 2)
        #expect(none.stderr.contains("no identity given"), "\(none.stderr)")
        let noneStdin = try Self.authx(["verify", "-"], stdin: archive)
        #expect(noneStdin.status == 2, "\(noneStdin.stderr)")
        // Restores, from the file and from standard input.
        let target = dir.file("restored.db")
        let sqlite = try Self.authx(["restore", "--identity", keyA, archive, "--to", target, "--quiet"])
        #expect(sqlite.status == 0, "\(sqlite.stderr)")
        let back = dir.file("back.authx.gz")
        #expect(try Self.authx(["export", target, "-o", back, "--quiet"]).status == 0)
        #expect(try Self.authx(["verify", back]).stdout.contains("2 tables, 26666 rows"))
        let pg = try TestDatabase()
        defer { pg.drop() }
        let restore = try Self.authx(["restore", "--identity", keyB, "-", "--to", pg.url, "--quiet"], stdin: archive)
        #expect(restore.status == 0, "\(restore.stderr)")
        try RestoredData.expectEqual(archive: plain, db: pg)
        let pg2 = try TestDatabase()
        defer { pg2.drop() }
        let restoreFile = try Self.authx(["restore", "--identity", keyA, archive, "--to", pg2.url, "--quiet"])
        #expect(restoreFile.status == 0, "\(restoreFile.stderr)")
        try RestoredData.expectEqual(archive: plain, db: pg2)
    }

    /// Runs `age` under `expect`, answering its passphrase prompt(s) on the pty.
    static func ageWithPassphrase(_ arguments: [String], passphrase: String, prompts: Int) throws -> Result {
        let script = """
            set timeout 120
            spawn \(try tool("age")) \(arguments.map { "{\($0)}" }.joined(separator: " "))
            for {set i 0} {$i < \(prompts)} {incr i} {
                expect {
                    -re "passphrase" { send -- "\(passphrase)\\r" }
                    timeout { exit 10 }
                }
            }
            expect eof
            catch wait result
            exit [lindex $result 3]
            """
        return try run(try tool("expect"), ["-c", script])
    }

    @Test func passphraseArchivesBothWays() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let db = try Self.database(in: dir, users: 3_000)
        let passFile = dir.file("pass.txt")
        try "correct horse battery\n".write(toFile: passFile, atomically: true, encoding: .utf8)
        // authx --passphrase-file → age -d (prompt answered through the pty).
        let archive = dir.file("p.age")
        let export = try Self.authx(["export", db, "-o", archive, "--passphrase-file", passFile, "--quiet"])
        #expect(export.status == 0, "\(export.stderr)")
        #expect(String(decoding: try Data(contentsOf: URL(fileURLWithPath: archive)).prefix(60), as: UTF8.self).contains("-> scrypt "))
        let plain = dir.file("plain.gz")
        let decrypted = try Self.ageWithPassphrase(["-d", "-o", plain, archive], passphrase: "correct horse battery", prompts: 1)
        #expect(decrypted.status == 0, "\(decrypted.stdout)")
        #expect(try Self.authx(["verify", plain]).status == 0)
        // age -p → authx with the passphrase from a file, or from AUTHX_PASSPHRASE_FILE.
        let ageArchive = dir.file("q.age")
        let encrypted = try Self.ageWithPassphrase(["-p", "-o", ageArchive, plain], passphrase: "correct horse battery", prompts: 2)
        #expect(encrypted.status == 0, "\(encrypted.stdout)")
        let verify = try Self.authx(["verify", "--passphrase-file", passFile, ageArchive])
        #expect(verify.status == 0, "\(verify.stderr)")
        let viaEnv = try Self.authx(["inspect", ageArchive], environment: ["AUTHX_PASSPHRASE_FILE": passFile])
        #expect(viaEnv.status == 0, "\(viaEnv.stderr)")
        #expect(viaEnv.stdout.contains("passphrase (scrypt)"))
        let wrongFile = dir.file("wrong.txt")
        try "not it\n".write(toFile: wrongFile, atomically: true, encoding: .utf8)
        let wrong = try Self.authx(["verify", "--passphrase-file", wrongFile, ageArchive])
        #expect(wrong.status == 2)
        #expect(wrong.stderr.contains("wrong passphrase"))
        #expect(!wrong.stderr.contains("not it"))
    }

    @Test func identityFileReadableByOthersGetsAWarning() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let db = try Self.database(in: dir, users: 10)
        let (key, publicKey) = try Self.keygen(dir, "key.txt")
        let archive = dir.file("x.age")
        #expect(try Self.authx(["export", db, "-o", archive, "--recipient", publicKey, "--quiet"]).status == 0)
        let quiet = try Self.authx(["verify", "--identity", key, archive])
        #expect(!quiet.stderr.contains("warning"))
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: key)
        let warned = try Self.authx(["verify", "--identity", key, archive])
        #expect(warned.status == 0)
        #expect(warned.stderr.contains("key file is accessible by others (mode 644)"), "\(warned.stderr)")
    }
}
