internal import CDeflate

/// The canonical gzip member framing of auth_export. Spec: spec/FORMAT.md#gzip-members
///
/// Every member starts with the same 20-byte header: ID1 ID2 CM=8 FLG=FEXTRA MTIME=0 XFL=0 OS=255, XLEN=8 and one
/// extra subfield `AX` of length 4 holding the member's total size (uint32 little-endian), so readers can find
/// member boundaries without inflating.
package enum GzipMember {
    package static let headerSize = 20
    package static let trailerSize = 8
    /// The smallest possible member: header, an empty fixed-Huffman deflate block (2 bytes), trailer.
    package static let minimumSize = headerSize + 2 + trailerSize

    static let fixedHeader: [UInt8] = [
        0x1F, 0x8B, 0x08, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0xFF, 0x08, 0x00,
        UInt8(ascii: "A"), UInt8(ascii: "X"), 0x04, 0x00,
    ]

    /// Appends the canonical header for a member of `totalSize` bytes.
    static func appendHeader(totalSize: Int, to out: inout [UInt8]) {
        out.append(contentsOf: fixedHeader)
        appendUInt32LE(UInt32(truncatingIfNeeded: totalSize), to: &out)
    }

    /// Parses a member header: its total size, or what is wrong. `bytes` may be shorter than a header when the
    /// file ends inside one: the bytes present are checked first (spec §2.2, §9.2), so a differing byte is reported
    /// at its offset, and only a header whose bytes present are all canonical is ``HeaderProblem/isTruncated``.
    package static func parseHeader(_ bytes: UnsafeRawBufferPointer) -> Result<Int, HeaderProblem> {
        if bytes.count >= 1 && bytes[0] != 0x1F || bytes.count >= 2 && bytes[1] != 0x8B {
            return .failure(.init(message: "expected a gzip member (bad magic bytes)", offset: 0))
        }
        for i in 2..<max(2, min(fixedHeader.count, bytes.count)) where bytes[i] != fixedHeader[i] {
            return .failure(
                .init(message: "non-canonical gzip member header (byte \(i) is \(bytes[i]), expected \(fixedHeader[i]))", offset: i))
        }
        guard bytes.count >= headerSize else {
            return .failure(.init(message: "file ends inside a gzip member header", offset: bytes.count, isTruncated: true))
        }
        let size = Int(readUInt32LE(bytes, at: 16))
        guard size >= minimumSize else {
            return .failure(.init(message: "gzip member size field \(size) is smaller than any member", offset: 16))
        }
        return .success(size)
    }

    package struct HeaderProblem: Error {
        package var message: String
        /// Offset of the bad byte within the header (for a truncation: the number of bytes present).
        package var offset: Int
        /// The file ends inside a header whose bytes present are canonical: `truncated`, not `bad_compression`.
        package var isTruncated = false
    }

    /// A stored-blocks member for `content`: fully determined by the content (used for the end record).
    package static func storedMember(_ content: UnsafeRawBufferPointer) -> [UInt8] {
        let blockCount = max(1, (content.count + 65534) / 65535)
        let total = headerSize + blockCount * 5 + content.count + trailerSize
        var out: [UInt8] = []
        out.reserveCapacity(total)
        appendHeader(totalSize: total, to: &out)
        var offset = 0
        for block in 0..<blockCount {
            let length = min(65535, content.count - offset)
            out.append(block == blockCount - 1 ? 0x01 : 0x00)
            out.append(UInt8(length & 0xFF))
            out.append(UInt8(length >> 8))
            out.append(UInt8(~length & 0xFF))
            out.append(UInt8((~length >> 8) & 0xFF))
            out.append(contentsOf: UnsafeRawBufferPointer(rebasing: content[offset..<offset + length]))
            offset += length
        }
        appendUInt32LE(crc32(content), to: &out)
        appendUInt32LE(UInt32(truncatingIfNeeded: content.count), to: &out)
        return out
    }

    /// The size of the stored-blocks member holding `contentSize` bytes.
    package static func storedMemberSize(contentSize: Int) -> Int {
        headerSize + max(1, (contentSize + 65534) / 65535) * 5 + contentSize + trailerSize
    }

    package static func crc32(_ data: UnsafeRawBufferPointer) -> UInt32 {
        UInt32(libdeflate_crc32(0, data.baseAddress, data.count))
    }

    static func appendUInt32LE(_ value: UInt32, to out: inout [UInt8]) {
        out.append(UInt8(value & 0xFF))
        out.append(UInt8(value >> 8 & 0xFF))
        out.append(UInt8(value >> 16 & 0xFF))
        out.append(UInt8(value >> 24))
    }

    package static func readUInt32LE(_ bytes: UnsafeRawBufferPointer, at i: Int) -> UInt32 {
        UInt32(bytes[i]) | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2]) << 16 | UInt32(bytes[i + 3]) << 24
    }
}

/// A libdeflate compressor making canonical members. The corresponding C type is `struct libdeflate_compressor`.
///
/// Not thread-safe: one per thread.
package final class MemberCompressor {
    private let handle: OpaquePointer

    package init(level: Int) {
        guard let handle = libdeflate_alloc_compressor(Int32(level)) else {
            preconditionFailure("libdeflate_alloc_compressor failed (out of memory or bad level \(level))")
        }
        self.handle = handle
    }

    deinit { libdeflate_free_compressor(handle) }

    /// Compresses `content` into one complete member.
    package func member(_ content: UnsafeRawBufferPointer) -> [UInt8] {
        var out: [UInt8] = []
        member(content, into: &out)
        return out
    }

    /// Compresses `content` into one complete member, replacing the contents of `out` (its capacity is reused, so
    /// a buffer passed again and again costs no new allocation).
    package func member(_ content: UnsafeRawBufferPointer, into out: inout [UInt8]) {
        let bound = libdeflate_deflate_compress_bound(handle, content.count)
        let capacity = GzipMember.headerSize + bound + GzipMember.trailerSize
        if out.count < capacity { out.append(contentsOf: repeatElement(0, count: capacity - out.count)) }
        let deflated = out.withUnsafeMutableBytes { buffer -> Int in
            libdeflate_deflate_compress(
                handle, content.baseAddress, content.count, buffer.baseAddress.map { $0 + GzipMember.headerSize }, bound)
        }
        precondition(deflated > 0, "libdeflate output bound was too small")
        let total = GzipMember.headerSize + deflated + GzipMember.trailerSize
        out.removeLast(out.count - (GzipMember.headerSize + deflated))
        var header: [UInt8] = []
        header.reserveCapacity(GzipMember.headerSize)
        GzipMember.appendHeader(totalSize: total, to: &header)
        out.withUnsafeMutableBytes { buffer in
            header.withUnsafeBytes { buffer.baseAddress!.copyMemory(from: $0.baseAddress!, byteCount: GzipMember.headerSize) }
        }
        GzipMember.appendUInt32LE(GzipMember.crc32(content), to: &out)
        GzipMember.appendUInt32LE(UInt32(truncatingIfNeeded: content.count), to: &out)
    }
}

@available(*, unavailable)
extension MemberCompressor: Sendable {}

/// A libdeflate decompressor for whole members. The corresponding C type is `struct libdeflate_decompressor`.
package final class MemberDecompressor {
    private let handle: OpaquePointer

    package init() {
        guard let handle = libdeflate_alloc_decompressor() else {
            preconditionFailure("libdeflate_alloc_decompressor failed (out of memory)")
        }
        self.handle = handle
    }

    deinit { libdeflate_free_decompressor(handle) }

    /// A problem inside a member, with the offset within the member.
    package struct Problem: Error {
        package var message: String
        package var offset: Int
    }

    /// Inflates a complete member (header already checked) into `output`, checking deflate framing,
    /// that the deflate stream ends exactly before the trailer, CRC-32 and ISIZE. `maxSize` bounds ISIZE.
    package func inflate(member: UnsafeRawBufferPointer, maxSize: Int, into output: inout [UInt8]) throws(Problem) {
        let trailerStart = member.count - GzipMember.trailerSize
        let expectedCRC = GzipMember.readUInt32LE(member, at: trailerStart)
        let expectedSize = Int(GzipMember.readUInt32LE(member, at: trailerStart + 4))
        // Deflate cannot expand data more than 1032:1, so a larger ISIZE is corrupt: reject it before allocating.
        let deflateBytes = member.count - GzipMember.headerSize - GzipMember.trailerSize
        guard expectedSize <= deflateBytes * 1032 + 1024 else {
            throw Problem(
                message: "gzip member ISIZE \(expectedSize) is impossible for \(deflateBytes) bytes of deflate data",
                offset: trailerStart + 4)
        }
        guard expectedSize <= maxSize else {
            throw Problem(
                message: "gzip member declares \(expectedSize) decompressed bytes, more than the limit of \(maxSize)",
                offset: trailerStart + 4)
        }
        output.removeAll(keepingCapacity: true)
        // One spare byte, so a stream longer than ISIZE is caught as "too long" rather than "no space".
        let capacity = expectedSize + 1
        if output.capacity < capacity { output.reserveCapacity(capacity) }
        var actualIn = 0
        var actualOut = 0
        let deflateStart = GzipMember.headerSize
        let deflateCount = trailerStart - deflateStart
        let result = withUnsafeTemporaryOutput(&output, capacity: capacity) { out -> libdeflate_result in
            libdeflate_deflate_decompress_ex(
                handle, member.baseAddress.map { $0 + deflateStart }, deflateCount, out.baseAddress, out.count,
                &actualIn, &actualOut)
        } produced: { actualOut }
        switch result {
        case LIBDEFLATE_SUCCESS: break
        case LIBDEFLATE_INSUFFICIENT_SPACE:
            throw Problem(message: "gzip member inflates to more than its ISIZE of \(expectedSize) bytes", offset: trailerStart + 4)
        default:
            throw Problem(message: "corrupt deflate data in gzip member", offset: deflateStart)
        }
        guard actualIn == deflateCount else {
            throw Problem(message: "deflate stream ends \(deflateCount - actualIn) bytes before the gzip trailer", offset: deflateStart + actualIn)
        }
        guard actualOut == expectedSize else {
            throw Problem(message: "gzip member inflates to \(actualOut) bytes, its ISIZE says \(expectedSize)", offset: trailerStart + 4)
        }
        let crc = output.withUnsafeBytes { GzipMember.crc32($0) }
        guard crc == expectedCRC else { throw Problem(message: "gzip CRC-32 mismatch", offset: trailerStart) }
    }
}

@available(*, unavailable)
extension MemberDecompressor: Sendable {}

/// Lets C write up to `capacity` bytes into `array`, then sets its count to what was produced.
private func withUnsafeTemporaryOutput<R>(
    _ array: inout [UInt8], capacity: Int, _ body: (UnsafeMutableRawBufferPointer) -> R, produced: () -> Int
) -> R {
    var result: R?
    array = [UInt8](unsafeUninitializedCapacity: capacity) { buffer, count in
        result = body(UnsafeMutableRawBufferPointer(buffer))
        count = min(produced(), capacity)
    }
    // swift-format-ignore: NeverForceUnwrap
    return result!  // set by the initializer closure above, which always runs
}
