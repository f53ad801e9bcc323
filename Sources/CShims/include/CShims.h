// C shims for library calls Swift cannot make directly: variadic functions and macros
// (SQLite configuration, zlib stream set-up).
#ifndef RRM_LEDGER_CSHIMS_H
#define RRM_LEDGER_CSHIMS_H

#include <sqlite3.h>
#include <zlib.h>

/// Turns off SQLite's memory statistics, which take a process-wide mutex on every allocation.
/// Must run before SQLite initializes (before the first connection opens); returns SQLITE_OK,
/// or SQLITE_MISUSE when SQLite is already initialized (then statistics simply stay on).
/// `sqlite3_config` is variadic, which Swift cannot call.
static inline int rrm_sqlite3_disable_memory_statistics(void) {
    return sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

/// Lets SQLite read URI filenames ("file:PATH?immutable=1") on builds compiled without
/// SQLITE_USE_URI. Must run before SQLite initializes; returns SQLITE_OK, or SQLITE_MISUSE when
/// SQLite is already initialized. `sqlite3_config` is variadic, which Swift cannot call.
static inline int rrm_sqlite3_enable_uri_filenames(void) {
    return sqlite3_config(SQLITE_CONFIG_URI, 1);
}

/// Starts a deflate stream that writes gzip framing (RFC 1952): window bits 15 + 16.
/// `deflateInit2` is a macro, which Swift cannot call.
static inline int rrm_deflate_init_gzip(z_stream *stream, int level) {
    return deflateInit2(stream, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
}

/// Starts a raw deflate stream (no header or trailer: window bits -15), for one block of a
/// gzip member compressed in parallel, as pigz does. `deflateInit2` is a macro, which Swift
/// cannot call.
static inline int rrm_deflate_init_raw(z_stream *stream, int level) {
    return deflateInit2(stream, level, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY);
}

/// The CRC-32 of two pieces joined, from the CRC-32 of each and the second's length (zlib's
/// crc32_combine, which zlib.h may define as a macro for crc32_combine64).
static inline unsigned long rrm_crc32_combine(unsigned long first, unsigned long second, long long secondLength) {
    return crc32_combine(first, second, (z_off_t)secondLength);
}

/// Starts an inflate stream that reads gzip framing only (window bits 15 + 16).
/// `inflateInit2` is a macro, which Swift cannot call.
static inline int rrm_inflate_init_gzip(z_stream *stream) {
    return inflateInit2(stream, 15 + 16);
}

#endif
