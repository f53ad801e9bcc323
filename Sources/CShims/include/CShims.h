// C shims for library calls Swift cannot make directly: variadic functions and macros.
#ifndef RRM_LEDGER_CSHIMS_H
#define RRM_LEDGER_CSHIMS_H

#include <sqlite3.h>

/// Turns off SQLite's memory statistics, which take a process-wide mutex on every allocation.
/// Must run before SQLite initializes (before the first connection opens); returns SQLITE_OK,
/// or SQLITE_MISUSE when SQLite is already initialized (then statistics simply stay on).
/// `sqlite3_config` is variadic, which Swift cannot call.
static inline int rrm_sqlite3_disable_memory_statistics(void) {
    return sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

#endif
