import Foundation
import Testing

@testable import AuthExport

/// SSHSIG signatures against the real OpenSSH: keys made by `ssh-keygen` at test time, signatures checked by
/// `ssh-keygen -Y verify` and made by `ssh-keygen -Y sign`, and each refusal with its own code.
@Suite struct DetachedSignatureTests {
    /// A temporary directory with a file to sign and alice's Ed25519 key.
    struct Fixture {
        let dir: String
        let file: String
        let key: String
        let publicKey: String

        init(type: String = "ed25519", bits: Int? = nil) throws {
            dir = try SSHTools.temporaryDirectory()
            file = dir + "/app.authx.gz"
            try Data((0..<5000).map { UInt8($0 % 251) }).write(to: URL(fileURLWithPath: file))
            key = dir + "/id_\(type)"
            publicKey = try SSHTools.keygen(key, type: type, bits: bits, comment: "alice@laptop")
        }

        func allowedSigners(_ lines: String...) throws -> AllowedSigners {
            let path = dir + "/allowed_signers"
            try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
            return try AllowedSigners(path: path)
        }

        func remove() { try? FileManager.default.removeItem(atPath: dir) }
    }

    @Test(arguments: [("ed25519", nil), ("ecdsa", 256), ("rsa", 3072)] as [(String, Int?)])
    func authxSignaturesVerifyWithSSHKeygen(type: String, bits: Int?) throws {
        let fx = try Fixture(type: type, bits: bits)
        defer { fx.remove() }
        let key = try SigningKey(path: fx.key)
        #expect(!key.usesAgent)
        let signature = try DetachedSignature.sign(file: fx.file, with: key)
        #expect(signature.namespace == "auth_export" && signature.hashAlgorithm == .sha256)
        let sigPath = fx.file + ".sig"
        var st = stat()
        #expect(stat(sigPath, &st) == 0 && st.st_mode & 0o777 == 0o600)
        _ = try fx.allowedSigners("alice@example.com \(fx.publicKey)")
        let ok = try SSHTools.run(
            "ssh-keygen", ["-Y", "verify", "-f", fx.dir + "/allowed_signers", "-I", "alice@example.com", "-n", "auth_export", "-s", sigPath],
            stdinFile: fx.file)
        #expect(ok.status == 0, "ssh-keygen -Y verify: \(ok.stdout) \(ok.stderr)")
        #expect(ok.stdout.contains("Good \"auth_export\" signature for alice@example.com"))
        // The same fingerprint as ssh-keygen -l.
        let listed = try SSHTools.run("ssh-keygen", ["-l", "-f", fx.key + ".pub"])
        #expect(listed.stdout.contains(key.publicKey.fingerprint))
        // And ssh-keygen refuses it for another file: the signature covers the bytes.
        try Data("other".utf8).write(to: URL(fileURLWithPath: fx.dir + "/other"))
        let bad = try SSHTools.run(
            "ssh-keygen", ["-Y", "verify", "-f", fx.dir + "/allowed_signers", "-I", "alice@example.com", "-n", "auth_export", "-s", sigPath],
            stdinFile: fx.dir + "/other")
        #expect(bad.status != 0)
    }

    @Test(arguments: [("ed25519", nil), ("ecdsa", 256), ("rsa", 3072)] as [(String, Int?)])
    func sshKeygenSignaturesVerifyWithAuthx(type: String, bits: Int?) throws {
        let fx = try Fixture(type: type, bits: bits)
        defer { fx.remove() }
        let made = try SSHTools.run("ssh-keygen", ["-Y", "sign", "-f", fx.key, "-n", "auth_export", fx.file])
        #expect(made.status == 0, "\(made.stderr)")
        let policy = try fx.allowedSigners("# the team", "", "alice@example.com,bob@example.com \(fx.publicKey)")
        let signer = try DetachedSignature.verify(file: fx.file, policy: policy, principal: "alice@example.com")
        #expect(signer.principal == "alice@example.com")
        #expect(signer.description.hasPrefix("alice@example.com (\(signer.key.algorithm.displayName) SHA256:"))
        let anyone = try DetachedSignature.verify(file: fx.file, policy: policy)
        #expect(anyone.principal == "alice@example.com,bob@example.com")
    }

    private func rejection(_ body: () throws -> Void) -> SignatureError? {
        do {
            try body()
            return nil
        } catch let error as SignatureError {
            return error
        } catch {
            Issue.record("unexpected error \(error)")
            return nil
        }
    }

    @Test func eachRefusalHasItsOwnCodeAndMessage() throws {
        let fx = try Fixture()
        defer { fx.remove() }
        let key = try SigningKey(path: fx.key)
        try DetachedSignature.sign(file: fx.file, with: key)
        let line = "alice@example.com \(fx.publicKey)"

        // Unsigned.
        let missing = rejection { _ = try DetachedSignature.verify(file: fx.file, signaturePath: fx.dir + "/nope.sig", policy: try fx.allowedSigners(line)) }
        #expect(missing?.code == .missing && missing?.message.contains("unsigned") == true)

        // Another key signed it.
        let bobKey = try SSHTools.keygen(fx.dir + "/bob")
        let wrongKey = rejection { _ = try DetachedSignature.verify(file: fx.file, policy: try fx.allowedSigners("bob@example.com \(bobKey)")) }
        #expect(wrongKey?.code == .untrustedKey && wrongKey?.message.contains("not in") == true)

        // Principal mismatch.
        let principal = rejection { _ = try DetachedSignature.verify(file: fx.file, policy: try fx.allowedSigners(line), principal: "mallory@example.com") }
        #expect(principal?.code == .principalMismatch && principal?.message.contains("not for mallory@example.com") == true)

        // Expired, not yet valid, namespace not allowed.
        let expired = rejection { _ = try DetachedSignature.verify(file: fx.file, policy: try fx.allowedSigners("alice@example.com valid-before=20200101Z \(fx.publicKey)")) }
        #expect(expired?.code == .expired && expired?.message.contains("expired at 2020-01-01T00:00:00Z") == true)
        let early = rejection { _ = try DetachedSignature.verify(file: fx.file, policy: try fx.allowedSigners("alice@example.com valid-after=29990101Z \(fx.publicKey)")) }
        #expect(early?.code == .notYetValid)
        let namespaces = rejection { _ = try DetachedSignature.verify(file: fx.file, policy: try fx.allowedSigners("alice@example.com namespaces=\"git,file\" \(fx.publicKey)")) }
        #expect(namespaces?.code == .namespaceNotAllowed)
        #expect(try DetachedSignature.verify(file: fx.file, policy: try fx.allowedSigners("alice@example.com namespaces=\"git,auth_*\",valid-after=20200101 \(fx.publicKey)")).principal == "alice@example.com")

        // The file changed after signing.
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: fx.file))
        try handle.seek(toOffset: 100)
        try handle.write(contentsOf: Data([0xFF]))
        try handle.close()
        let changed = rejection { _ = try DetachedSignature.verify(file: fx.file, policy: try fx.allowedSigners(line)) }
        #expect(changed?.code == .mismatch && changed?.message.contains("changed after it was signed") == true)

        // Signed for git, not auth_export (ssh-keygen asks before replacing a .sig).
        try FileManager.default.removeItem(atPath: fx.file + ".sig")
        let git = try SSHTools.run("ssh-keygen", ["-Y", "sign", "-f", fx.key, "-n", "git", fx.file])
        #expect(git.status == 0)
        let namespace = rejection { _ = try DetachedSignature.verify(file: fx.file, policy: try fx.allowedSigners(line)) }
        #expect(namespace?.code == .wrongNamespace && namespace?.message.contains("\"git\"") == true)

        // Not a signature at all.
        try "hello\n".write(toFile: fx.file + ".sig", atomically: true, encoding: .utf8)
        let garbage = rejection { _ = try DetachedSignature.verify(file: fx.file, policy: try fx.allowedSigners(line)) }
        #expect(garbage?.code == .malformed)
        #expect(Set([missing, wrongKey, principal, expired, early, namespaces, changed, namespace, garbage].compactMap { $0?.code.name }).count == 9)
    }

    @Test func allowedSignersParsing() throws {
        let key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGvW5QqOelyJbgCd3xrjVFoKg1NGDH1rs2o0uJS1bEdO"
        let policy = try AllowedSigners(
            text: """
                # comment

                  *@example.com,!mallory@example.com \(key) a comment
                "carol@x.org,dave@x.org" namespaces="auth_export",valid-before=203001011200Z \(key)
                sk@x sk-ssh-ed25519@openssh.com AAAAGnNrLXNzaC1lZDI1NTE5QG9wZW5zc2guY29tAAAAIKq3 sk
                """, path: "signers")
        #expect(policy.entries.count == 3)
        #expect(policy.entries[0].line == 3 && policy.entries[0].principals == "*@example.com,!mallory@example.com")
        #expect(policy.entries[1].principals == "carol@x.org,dave@x.org" && policy.entries[1].namespaces == "auth_export")
        #expect(policy.entries[1].validBefore == 1_893_499_200)
        #expect(policy.entries[2].key == nil)  // a type authx cannot verify: kept, matches nothing
        let pub = try SSHPublicKey(openSSH: key)
        #expect(try policy.authorize(pub, namespace: "auth_export", principal: "alice@example.com") == "alice@example.com")
        #expect(try policy.authorize(pub, namespace: "auth_export", principal: "dave@x.org") == "dave@x.org")
        #expect(throws: SignatureError.self) { try policy.authorize(pub, namespace: "auth_export", principal: "mallory@example.com") }

        #expect(AllowedSigners.matchList("alice@example.com", "*@example.com") == 1)
        #expect(AllowedSigners.matchList("alice@example.com", "*@example.com,!alice@*") == -1)
        #expect(AllowedSigners.matchList("bob@example.org", "*@example.com") == 0)
        #expect(AllowedSigners.matchList("ab", "a?") == 1 && AllowedSigners.matchList("abc", "a?") == 0)
        #expect(AllowedSigners.matchList("auth_export", "auth_*,git") == 1)

        func policyError(_ text: String) -> SignatureError? {
            do {
                _ = try AllowedSigners(text: text, path: "signers")
                return nil
            } catch { return error }
        }
        let ca = policyError("# x\n*@example.com cert-authority \(key)\n")
        #expect(ca?.code == .badPolicy && ca?.path == "signers:2" && ca?.message.contains("cert-authority") == true)
        #expect(policyError("alice@example.com\n")?.path == "signers:1")
        #expect(policyError("alice@example.com valid-before=2020 \(key)\n")?.message.contains("YYYYMMDD") == true)
        #expect(policyError("alice@example.com ssh-ed25519 !!!notbase64\n")?.code == .badPolicy)
        #expect(policyError("alice@example.com no-touch-required \(key)\n")?.message.contains("unknown option") == true)
    }

    @Test func passphraseProtectedKeyWithoutAgentIsAClearError() throws {
        let dir = try SSHTools.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        _ = try SSHTools.keygen(dir + "/locked", passphrase: "correct horse")
        unsetenv("SSH_AUTH_SOCK")
        #expect {
            _ = try SigningKey(path: dir + "/locked")
        } throws: { error in
            guard let error = error as? SignatureError else { return false }
            return error.code == .badKey && error.message.contains("passphrase-protected") && error.message.contains("ssh-add")
                && !error.message.contains("correct horse")
        }
        try "not a key\n".write(toFile: dir + "/junk", atomically: true, encoding: .utf8)
        #expect(throws: SignatureError.self) { _ = try SigningKey(path: dir + "/junk") }
    }

    /// The writer signs as it writes (no second pass): the `.sig` is ssh-keygen-valid for the archive's bytes; the
    /// reader checks a signature as it streams and fails at the end when it does not hold.
    @Test func writerSidecarAndReaderStreamCheck() throws {
        let fx = try Fixture()
        defer { fx.remove() }
        let archive = fx.dir + "/signed.authx.gz"
        var options = ArchiveWriter.Options()
        options.threads = 2
        let sidecar = DetachedSignature.Sidecar(key: try SigningKey(path: fx.key))
        options.sidecars = [sidecar]
        let header = ArchiveHeader(createdAt: "2026-01-01T00:00:00Z", producer: "tests", source: .init(backend: "sqlite", database: "a.db"))
        let writer = try ArchiveWriter(path: archive, overwrite: false, header: header, options: options)
        try writer.beginTable(TableSchema(name: "users", columns: [Column(name: "email", type: .text)]))
        for i in 0..<50_000 { try writer.append([.text("user\(i)@example.com")]) }
        try writer.endTable()
        try writer.finish()
        let policy = try fx.allowedSigners("alice@example.com \(fx.publicKey)")
        let ok = try SSHTools.run(
            "ssh-keygen", ["-Y", "verify", "-f", fx.dir + "/allowed_signers", "-I", "alice@example.com", "-n", "auth_export", "-s", archive + ".sig"],
            stdinFile: archive)
        #expect(ok.status == 0, "\(ok.stderr)")

        func read(_ path: String, threads: Int) throws -> DetachedSignature.Signer? {
            var readerOptions = ArchiveReader.Options()
            readerOptions.threads = threads
            let check = try DetachedSignature.StreamCheck(
                signature: try DetachedSignature.read(signatureAt: archive + ".sig"), policy: policy, principal: nil, file: path)
            readerOptions.byteCheck = check
            let reader = try ArchiveReader(path: path, options: readerOptions)
            while try reader.next() != nil {}
            return check.signer
        }
        for threads in [1, 2] {
            #expect(try read(archive, threads: threads)?.principal == "alice@example.com")
        }
        // Another valid archive under the same signature: every archive check passes, the signature does not.
        let other = fx.dir + "/other.authx.gz"
        let writer2 = try ArchiveWriter(path: other, overwrite: false, header: header)
        try writer2.beginTable(TableSchema(name: "users", columns: [Column(name: "email", type: .text)]))
        try writer2.append([.text("mallory@example.com")])
        try writer2.endTable()
        try writer2.finish()
        for threads in [1, 2] {
            #expect {
                _ = try read(other, threads: threads)
            } throws: { error in
                (error as? ArchiveError)?.code == .badSignature
                    && (error as? ArchiveError)?.message.contains("does not match the file") == true
            }
        }
    }

    /// The stream check judges the policy when it is made (nothing read yet) and the bytes as they are read; after a
    /// read that stopped early, settle() judges the bytes by reading the file, and a rejection stays the verdict.
    @Test func streamCheckJudgesThePolicyFirstAndSettlesAReadThatStoppedEarly() throws {
        let fx = try Fixture()
        defer { fx.remove() }
        try DetachedSignature.sign(file: fx.file, with: try SigningKey(path: fx.key))
        let signature = try DetachedSignature.read(signatureAt: fx.file + ".sig")
        let bobKey = try SSHTools.keygen(fx.dir + "/bob")
        let untrusted = rejection {
            _ = try DetachedSignature.StreamCheck(
                signature: signature, policy: try fx.allowedSigners("bob@example.com \(bobKey)"), principal: nil, file: fx.file)
        }
        #expect(untrusted?.code == .untrustedKey)
        let policy = try fx.allowedSigners("alice@example.com \(fx.publicKey)")
        let expired = rejection {
            _ = try DetachedSignature.StreamCheck(
                signature: signature, policy: try fx.allowedSigners("alice@example.com valid-before=20200101Z \(fx.publicKey)"),
                principal: nil, file: fx.file)
        }
        #expect(expired?.code == .expired)

        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: fx.file)))
        // Read to the end: judged on that read.
        let whole = try DetachedSignature.StreamCheck(signature: signature, policy: policy, principal: nil, file: fx.file)
        bytes.withUnsafeBytes { whole.update($0) }
        try whole.finish()
        #expect(whole.signer?.principal == "alice@example.com" && whole.rejection == nil)
        // A read that stopped halfway: not judged until settle() reads the file.
        let half = try DetachedSignature.StreamCheck(signature: signature, policy: policy, principal: nil, file: fx.file)
        bytes[..<(bytes.count / 2)].withUnsafeBytes { half.update($0) }
        #expect(half.signer == nil)
        #expect(try half.settle()?.principal == "alice@example.com")
        // Bytes that differ from the file's: refused at finish(), and settle() keeps that verdict.
        let other = try DetachedSignature.StreamCheck(signature: signature, policy: policy, principal: nil, file: fx.file)
        bytes.dropLast().withUnsafeBytes { other.update($0) }
        #expect(throws: SignatureError.self) { try other.finish() }
        #expect(rejection { _ = try other.settle() }?.code == .mismatch)
        // The file changed after signing, the read stopped early: settle() reads it and refuses.
        var changed = bytes
        changed[100] ^= 0xFF
        try Data(changed).write(to: URL(fileURLWithPath: fx.file))
        let stopped = try DetachedSignature.StreamCheck(signature: signature, policy: policy, principal: nil, file: fx.file)
        changed[..<50].withUnsafeBytes { stopped.update($0) }
        #expect(rejection { _ = try stopped.settle() }?.code == .mismatch)
        // Standard input cannot be read again: no verdict.
        let piped = try DetachedSignature.StreamCheck(signature: signature, policy: policy, principal: nil, file: "-")
        #expect(try piped.settle() == nil)
    }
}
