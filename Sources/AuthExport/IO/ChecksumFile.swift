import Crypto

#if canImport(Glibc)
    import Glibc
#endif

/// The `FILE.sha256` file the writer publishes beside an archive, in `sha256sum` format (`HEX  NAME`), and its
/// check by a reader.
///
/// Publishing order (``ArchiveWriter/finish()``), so that a sidecar never describes another archive: every sidecar
/// is written and synced first under an unnamed temporary file; then the sidecars of any earlier archive of that
/// name (`.sha256`, `.sig`) are removed; then the archive is published; then the new sidecars. A crash at any point
/// leaves the old pair, the old or the new archive alone, or the new pair (possibly with some of its sidecars) —
/// never an archive beside a sidecar of another. An archive without a sidecar is still whole: its `end` record holds
/// its own checksum. docs/safety.md "Archive and sidecars".
///
/// ```swift
/// var options = ArchiveReader.Options()
/// options.byteCheck = try ChecksumFile.StreamCheck(file: "app.authx.gz")   // nil: no app.authx.gz.sha256
/// ```
public enum ChecksumFile {
    /// `.sha256`.
    public static let suffix = ".sha256"
    /// The suffixes of every file the writer may publish beside an archive: removed before a new archive takes the
    /// name, so none can outlive the archive it describes.
    static let sidecarSuffixes = [suffix, DetachedSignature.signatureSuffix]

    /// `FILE.sha256`.
    public static func path(for file: String) -> String { file + suffix }

    /// The sidecar's line for an archive: `HEX  NAME\n` (NAME without its directory, as `sha256sum` run there).
    static func line(sha256: String, file: String) -> [UInt8] {
        Array("\(sha256)  \(FileIO.baseName(of: file))\n".utf8)
    }

    /// The SHA-256 the sidecar of `file` states, or nil when there is no sidecar.
    ///
    /// - Throws: `ArchiveError` `.checksumMismatch` when the sidecar is not a `sha256sum` line (a damaged
    ///   sidecar is a failed check, as with `sha256sum -c`), `.io` when it cannot be read.
    public static func statedHash(of file: String) throws -> String? {
        let sidecar = path(for: file)
        guard FileIO.fileExists(sidecar) else { return nil }
        let bytes: [UInt8]
        do {
            bytes = try SmallFile.read(sidecar, limit: 4096)
        } catch {
            throw ArchiveError(.io, "cannot read \(sidecar): \(error)", location: .init(path: file))
        }
        let text = String(decoding: bytes, as: UTF8.self)
        let firstLine = text.split(separator: "\n", omittingEmptySubsequences: false).first ?? ""
        let hash = firstLine.prefix(64)
        let rest = firstLine.dropFirst(64)
        guard hash.count == 64, hash.allSatisfy({ $0.isHexDigit }), rest.hasPrefix("  ") || rest.hasPrefix(" *") else {
            throw ArchiveError(
                .checksumMismatch,
                "\(sidecar) is not a sha256sum line for \(FileIO.baseName(of: file)) (damaged): remove it or "
                    + "write it again with `sha256sum \(FileIO.baseName(of: file)) > \(FileIO.baseName(of: sidecar))`",
                location: .init(path: file))
        }
        return hash.lowercased()
    }

    /// Checks, as the reader reads `file`, that its bytes hash to what `FILE.sha256` states.
    public final class StreamCheck: ArchiveByteCheck, @unchecked Sendable {
        private let file: String
        private let expected: String
        private var hash = SHA256()

        /// A check of `file` against its sidecar, or nil when it has none.
        ///
        /// - Throws: as ``ChecksumFile/statedHash(of:)``.
        public convenience init?(file: String) throws {
            guard let expected = try ChecksumFile.statedHash(of: file) else { return nil }
            self.init(file: file, expected: expected)
        }

        init(file: String, expected: String) {
            self.file = file
            self.expected = expected
        }

        /// Adds bytes of the file.
        public func update(_ bytes: UnsafeRawBufferPointer) { hash.update(bufferPointer: bytes) }

        /// Compares the file's SHA-256 with the sidecar's.
        ///
        /// - Throws: `ArchiveError` `.checksumMismatch` naming both files.
        public func finish() throws {
            let actual = hex(hash.finalize())
            guard actual == expected else {
                let sidecar = ChecksumFile.path(for: file)
                throw ArchiveError(
                    .checksumMismatch,
                    "\(sidecar) does not match \(file): it states \(expected.prefix(16))…, the file hashes to "
                        + "\(actual.prefix(16))… (one of the two was replaced or damaged)",
                    location: .init(path: file))
            }
        }
    }
}

/// Several byte checks over one read: each sees every byte; ``finish()`` runs them in order (the first failure wins).
public final class ArchiveByteChecks: ArchiveByteCheck, @unchecked Sendable {
    private let checks: [any ArchiveByteCheck]

    /// Combines `checks`; nil when there is none, the check itself when there is one.
    public static func combined(_ checks: [(any ArchiveByteCheck)?]) -> (any ArchiveByteCheck)? {
        let present = checks.compactMap { $0 }
        return present.count <= 1 ? present.first : ArchiveByteChecks(present)
    }

    private init(_ checks: [any ArchiveByteCheck]) { self.checks = checks }

    public func update(_ bytes: UnsafeRawBufferPointer) {
        for check in checks { check.update(bytes) }
    }

    public func finish() throws {
        for check in checks { try check.finish() }
    }
}
