internal import CPlatform

extension FileIO {
    /// Asks the kernel to start writing the dirty pages of `fd` in `offset ..< offset + length` (`length` 0: to
    /// the end of the file) to disk, without waiting (Linux `sync_file_range(SYNC_FILE_RANGE_WRITE)`), so that a
    /// later `fsync` has little left to write. Only a hint: false where it does not apply (a pipe, not Linux).
    @discardableResult
    package static func startWriteBack(_ fd: Int32, offset: Int64 = 0, length: Int64 = 0) -> Bool {
        authx_start_writeback(fd, offset, length) == 0
    }
}
