/*
 * csealed — the page-encryption VFS shim under Cabinet's sealed store.
 *
 * A thin layer registered on top of the default unix VFS. Every page SQLite
 * writes to the main database, its rollback journal or its WAL is sealed with
 * XChaCha20-Poly1305 (libsodium), a fresh random nonce per write, and the
 * associated data `file_id || page number`. See docs/SEALED-STORE.md.
 *
 * Everything else (envelope, key slots, unlocking) lives in Swift
 * (CabinetStore); this file only knows the keys it is handed.
 */
#ifndef CSEALED_H
#define CSEALED_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Fixed geometry of format version 1. */
#define CSEALED_PAGE_SIZE     4096
#define CSEALED_RESERVE       40      /* 24-byte nonce + 16-byte tag */
#define CSEALED_PAYLOAD       (CSEALED_PAGE_SIZE - CSEALED_RESERVE)
#define CSEALED_HEADER_SIZE   16384   /* the envelope: two 8 KiB copies */
#define CSEALED_KEY_BYTES     32
#define CSEALED_FILE_ID_BYTES 16

/* Regions named in failures. */
#define CSEALED_REGION_NONE     0
#define CSEALED_REGION_MAIN     1   /* index = page number (1-based) */
#define CSEALED_REGION_JOURNAL  2   /* index = page number of the image */
#define CSEALED_REGION_WAL      3   /* index = frame number (1-based) */

/* Extended result code returned when a page fails authentication. */
#define CSEALED_IOERR_AUTH    (10 | (32 << 8)) /* SQLITE_IOERR_DATA */

typedef struct csealed_vfs csealed_vfs;

/*
 * Registers a VFS named `name` (unique per unlocked vault) holding copies of
 * the keys in sodium_malloc'ed memory. The caller wipes its own copies.
 * Returns NULL on failure (name taken, out of memory, sodium_init failed).
 */
csealed_vfs *csealed_register(const char *name,
                              const uint8_t page_key[CSEALED_KEY_BYTES],
                              const uint8_t mask_key[CSEALED_KEY_BYTES],
                              const uint8_t file_id[CSEALED_FILE_ID_BYTES]);

/* Unregisters the VFS and wipes its keys. Every connection must be closed. */
void csealed_unregister(csealed_vfs *vfs);

const char *csealed_name(const csealed_vfs *vfs);

/* The last authentication failure seen by this VFS (region, index); returns
   the region, CSEALED_REGION_NONE when none. */
int csealed_last_failure(const csealed_vfs *vfs, int64_t *index);
void csealed_clear_failure(csealed_vfs *vfs);

/* Counters for tests: main-database opens through this VFS, and temporary
   files that SQLite tried to open (always refused). */
int64_t csealed_main_opens(const csealed_vfs *vfs);
int64_t csealed_refused_temp_files(const csealed_vfs *vfs);

/* Called by the verifiers for each page or frame that fails. */
typedef void (*csealed_failure_cb)(void *ctx, int region, int64_t index);

/*
 * Authenticates every page of the database at `path` (the lock-byte page,
 * never written by SQLite, is skipped). Reports each failing page through
 * `cb`. Returns the number of failing pages, or -1 when the file cannot be
 * read; `*pages` receives the number of pages examined.
 * Uses the unix VFS to open the file so that POSIX locks held by other
 * connections of this process survive.
 */
int64_t csealed_verify_main(csealed_vfs *vfs, const char *path,
                            csealed_failure_cb cb, void *ctx, int64_t *pages);

/* The same, reporting (pages done, pages in all) every 4096 pages and at
   the end, for a progress bar over a large vault or backup. */
typedef void (*csealed_progress_cb)(void *ctx, int64_t done, int64_t total);
int64_t csealed_verify_main_progress(csealed_vfs *vfs, const char *path,
                                     csealed_failure_cb cb, void *ctx, int64_t *pages,
                                     csealed_progress_cb progress, void *pctx);

/*
 * Scans the WAL at `path` (may be absent: returns 0). Frames of the current
 * generation that fail authentication are reported through `cb`, except a
 * torn last frame (an interrupted write), which is counted in `*torn_tail`.
 */
int64_t csealed_verify_wal(csealed_vfs *vfs, const char *path,
                           csealed_failure_cb cb, void *ctx,
                           int64_t *frames, int *torn_tail);

/*
 * Envelope I/O through the unix VFS (safe with respect to POSIX locks held
 * by SQLite connections of this process). Returns an SQLite result code.
 */
int csealed_envelope_read(const char *path, uint8_t *buf, int len,
                          int64_t offset);
int csealed_envelope_write(const char *path, const uint8_t *buf, int len,
                           int64_t offset);

/* Main-database pages sealed and written through this VFS so far (a re-key
   reports its progress with it). */
int64_t csealed_pages_written(const csealed_vfs *vfs);

/*
 * No core dumps (RLIMIT_CORE 0) and not dumpable (PR_SET_DUMPABLE 0: no
 * core, no ptrace attach, no /proc/PID/mem for the same user). Returns 1
 * when both took effect.
 */
int csealed_harden_process(void);

/*
 * Installs, before SQLite is initialised, an allocator that wraps SQLite's
 * default one and zeroes every block before it is freed (and the old block
 * of a realloc that moves). Idempotent. Returns SQLITE_OK, or SQLITE_MISUSE
 * when SQLite was already initialised in this process (too late: nothing
 * changed; SQLite is never shut down for it, see docs/SEALED-STORE.md).
 */
int csealed_install_wiping_allocator(void);
int csealed_wiping_allocator_installed(void);

/* Test hook: frees (or, with moveByRealloc, moves by realloc) a block filled
   with 0xA5 through SQLite's allocator and reports whether the block was all
   zeros when it was handed back: 1 wiped, 0 not wiped or not seen. */
int csealed_test_free_wipes(int moveByRealloc);

/* For tests: prctl(PR_GET_DUMPABLE) and the soft and hard RLIMIT_CORE. */
int csealed_is_dumpable(void);
int64_t csealed_core_limit(int hard);

#ifdef __cplusplus
}
#endif
#endif
