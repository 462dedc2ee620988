#ifndef AUTHX_CPLATFORM_SHIM_H
#define AUTHX_CPLATFORM_SHIM_H
// System calls Swift's Glibc module does not import (they need _GNU_SOURCE).
#include <unistd.h>
#if defined(__linux__)
#include <sys/syscall.h>
#endif

/// Starts writing back the dirty pages of `fd` in [offset, offset + length) without waiting for them
/// (Linux `sync_file_range(…, SYNC_FILE_RANGE_WRITE)`), so that a later fsync finds little left to write.
/// Returns 0, or -1 where unsupported (not Linux, a pipe); the caller ignores failures: it is only a hint.
static inline int authx_start_writeback(int fd, long long offset, long long length) {
#if defined(__linux__) && defined(SYS_sync_file_range)
    return (int)syscall(SYS_sync_file_range, fd, offset, length, 2u /* SYNC_FILE_RANGE_WRITE */);
#else
    (void)fd; (void)offset; (void)length;
    return -1;
#endif
}

#endif
