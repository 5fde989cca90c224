/*
 * csealed.c — page-encryption VFS shim (see include/csealed.h and
 * docs/SEALED-STORE.md). Ideas from SQLite's cksumvfs.c (reserved bytes per
 * page) and appendvfs.c (shifting the database behind a fixed prefix); no
 * code from them.
 *
 * Layout seen by this shim:
 *   main database  [envelope 16 KiB][page 1][page 2]...   (offsets shifted)
 *   each page      [ciphertext 4056 B][nonce 24 B][tag 16 B]
 *   journal        SQLite's layout; page images sealed like pages, the 4-byte
 *                  record checksum XOR-masked
 *   WAL            SQLite's layout; frame pages sealed, the 8-byte frame
 *                  checksum XOR-masked
 * Temporary files are refused: every connection runs temp_store=MEMORY.
 */
#include "csealed.h"

#include <sqlite3.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>

#define PS      CSEALED_PAGE_SIZE
#define PAYLOAD CSEALED_PAYLOAD
#define HDR     CSEALED_HEADER_SIZE
#define WAL_HDR 32
#define WAL_FHDR 24
#define WAL_FRAME (PS + WAL_FHDR)
#define LOCK_BYTE_PAGE ((sqlite3_int64)0x40000000 / PS + 1)

enum { KIND_MAIN = 1, KIND_JOURNAL = 2, KIND_WAL = 3 };

typedef struct Keys {
    uint8_t page_key[CSEALED_KEY_BYTES];
    uint8_t mask_key[CSEALED_KEY_BYTES];
    uint8_t file_id[CSEALED_FILE_ID_BYTES];
} Keys;

struct csealed_vfs {
    sqlite3_vfs base;           /* must stay first */
    sqlite3_vfs *root;
    Keys *keys;                 /* sodium_malloc: guarded, wiped on free */
    char *name;
    _Atomic int fail_region;
    _Atomic int64_t fail_index;
    _Atomic int64_t main_opens;
    _Atomic int64_t refused_temp;
    _Atomic int64_t pages_written;  /* main-database pages sealed and written */
};

typedef struct SealedFile {
    sqlite3_file base;          /* must stay first */
    csealed_vfs *vfs;
    sqlite3_file *real;         /* the unix file, allocated right after us */
    int kind;
    int reserve_ok;             /* page 1 seen with the right geometry */
    int fresh;                  /* main db: opened with no page at all yet */
    int geometry_bad;           /* main db: page 1 came with a wrong geometry */
    int in_ckpt;                /* main db: between CKPT_START and CKPT_DONE */
    struct SealedFile *db;      /* WAL: its database file (for in_ckpt) */
    uint8_t *buf;               /* PS bytes of scratch */
    /* the page number written just before a page image or frame page (a
       journal record's pgno, a WAL frame header): saves a read per page */
    sqlite3_int64 pg_off;
    uint32_t pg_no;
    int pg_valid;
    /* journal: the checksum that follows the last page image */
    sqlite3_int64 ck_off;
    int ck_valid;
    uint8_t ck_nonce[24];
} SealedFile;

/* ---------------------------------------------------------------- crypto */

static void put_le64(uint8_t *p, uint64_t v) {
    for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (8 * i));
}
static uint32_t get_be32(const uint8_t *p) {
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) |
           ((uint32_t)p[2] << 8) | (uint32_t)p[3];
}

static void page_ad(const Keys *k, uint32_t pgno, uint8_t ad[24]) {
    memcpy(ad, k->file_id, CSEALED_FILE_ID_BYTES);
    put_le64(ad + 16, pgno);
}

/* Seals the first PAYLOAD bytes of `in` into `out` (never into SQLite's
   buffer) with a fresh random nonce; nonce and tag fill the reserve. */
static void seal_page(const Keys *k, uint32_t pgno, const uint8_t *in,
                      uint8_t *out) {
    uint8_t ad[24];
    uint8_t *nonce = out + PAYLOAD;
    uint8_t *tag = out + PAYLOAD + 24;
    page_ad(k, pgno, ad);
    randombytes_buf(nonce, 24);
    crypto_aead_xchacha20poly1305_ietf_encrypt_detached(
        out, tag, NULL, in, PAYLOAD, ad, sizeof ad, NULL, nonce, k->page_key);
}

/* Opens a sealed page in place. On failure the payload is zeroed (libsodium)
   and -1 returned. On success the reserve is zeroed: SQLite never reads it. */
static int open_page(const Keys *k, uint32_t pgno, uint8_t *page) {
    uint8_t ad[24];
    uint8_t nonce[24];
    page_ad(k, pgno, ad);
    memcpy(nonce, page + PAYLOAD, 24);
    if (crypto_aead_xchacha20poly1305_ietf_decrypt_detached(
            page, NULL, page, PAYLOAD, page + PAYLOAD + 24, ad, sizeof ad,
            nonce, k->page_key) != 0) {
        memset(page, 0, PS);
        return -1;
    }
    memset(page + PAYLOAD, 0, CSEALED_RESERVE);
    return 0;
}

/* Keyed mask for a journal record checksum, bound to its page image's nonce. */
static void journal_mask(const Keys *k, const uint8_t nonce[24], uint8_t m[4]) {
    uint8_t msg[8 + 24];
    uint8_t out[16];
    memcpy(msg, "cab-jck1", 8);
    memcpy(msg + 8, nonce, 24);
    crypto_generichash(out, sizeof out, msg, sizeof msg, k->mask_key,
                       CSEALED_KEY_BYTES);
    memcpy(m, out, 4);
}

/* Keyed mask for a WAL frame checksum, bound to the WAL generation (salts)
   and the frame's offset. */
static void wal_mask(const Keys *k, const uint8_t salts[8], sqlite3_int64 off,
                     uint8_t m[8]) {
    uint8_t msg[8 + 8 + 8];
    uint8_t out[16];
    memcpy(msg, "cab-wck1", 8);
    memcpy(msg + 8, salts, 8);
    put_le64(msg + 16, (uint64_t)off);
    crypto_generichash(out, sizeof out, msg, sizeof msg, k->mask_key,
                       CSEALED_KEY_BYTES);
    memcpy(m, out, 8);
}

static void note_failure(csealed_vfs *v, int region, int64_t index) {
    atomic_store(&v->fail_index, index);
    atomic_store(&v->fail_region, region);
}

/* Page 1 carries the geometry the whole scheme relies on: 4096-byte pages
   with 40 reserved bytes. Refuse to write (or trust) anything else. */
static int page1_geometry_ok(const uint8_t *page) {
    unsigned pgsz = ((unsigned)page[16] << 8) | page[17];
    return pgsz == PS && page[20] == CSEALED_RESERVE;
}

/* ---------------------------------------------------------- main database */

static int main_read(SealedFile *p, void *zBuf, int iAmt, sqlite3_int64 iOfst) {
    sqlite3_file *r = p->real;
    sqlite3_int64 start = iOfst / PS * PS;
    uint32_t pgno = (uint32_t)(iOfst / PS + 1);
    int whole = (iAmt == PS && iOfst == start);
    uint8_t *page = whole ? (uint8_t *)zBuf : p->buf;
    int rc;

    if (iOfst + iAmt > start + PS) return SQLITE_IOERR_READ;
    rc = r->pMethods->xRead(r, page, PS, start + HDR);
    if (rc == SQLITE_IOERR_SHORT_READ) {
        /* Past the end (or a torn tail): SQLite expects zeros. */
        memset(page, 0, PS);
        if (!whole) memset(zBuf, 0, iAmt);
        return SQLITE_IOERR_SHORT_READ;
    }
    if (rc != SQLITE_OK) return rc;
    if (open_page(p->vfs->keys, pgno, page) != 0) {
        note_failure(p->vfs, CSEALED_REGION_MAIN, pgno);
        if (!whole) memset(zBuf, 0, iAmt);
        return CSEALED_IOERR_AUTH;
    }
    if (pgno == 1) {
        if (!page1_geometry_ok(page)) {
            sodium_memzero(page, PS);
            note_failure(p->vfs, CSEALED_REGION_MAIN, 1);
            if (!whole) memset(zBuf, 0, iAmt);
            return CSEALED_IOERR_AUTH;
        }
        p->reserve_ok = 1;
    }
    if (!whole) {
        memcpy(zBuf, page + (iOfst - start), iAmt);
        sodium_memzero(page, PS);
    }
    return SQLITE_OK;
}

static int main_write(SealedFile *p, const void *zBuf, int iAmt,
                      sqlite3_int64 iOfst) {
    sqlite3_file *r = p->real;
    uint32_t pgno;
    if (iAmt != PS || iOfst % PS != 0) return SQLITE_IOERR_WRITE;
    if (p->in_ckpt) {
        /* A checkpoint copies WAL frames into the database verbatim, and our
           WAL reads handed it the sealed bytes (see wal_read): a WAL frame is
           sealed with the same associated data (file id, page number) as the
           database page it becomes, so it is stored as is. A frame altered
           in the WAL is still refused when the page is read. */
        return r->pMethods->xWrite(r, zBuf, PS, iOfst + HDR);
    }
    pgno = (uint32_t)(iOfst / PS + 1);
    if (p->geometry_bad) return SQLITE_IOERR_WRITE;
    if (pgno == 1) {
        if (!page1_geometry_ok(zBuf)) {
            /* Pages already written to a fresh file (below) assumed this
               geometry: the whole file is refused, and the caller (re-key,
               a sealed copy) deletes it. */
            p->geometry_bad = 1;
            return SQLITE_IOERR_WRITE;
        }
        p->reserve_ok = 1;
    } else if (!p->reserve_ok && !p->fresh) {
        /* An existing database whose page 1 was never read nor written by
           this handle: its geometry is unknown, so nothing is written. */
        return SQLITE_IOERR_WRITE;
    }
    /* A fresh file (VACUUM INTO, a backup target, a new vault) may get other
       pages before page 1: SQLite spills its cache mid-copy and writes page
       1 last, at commit. Those pages are sealed as 4096-byte pages with a
       40-byte reserve; page 1 is still checked when it comes, and a wrong
       geometry refuses it and every later write, so the copy fails as a
       whole instead of committing a file sealed under a wrong assumption.
       A page of any other size never gets here (iAmt != PS above). */
    seal_page(p->vfs->keys, pgno, zBuf, p->buf);
    atomic_fetch_add(&p->vfs->pages_written, 1);
    return r->pMethods->xWrite(r, p->buf, PS, iOfst + HDR);
}

/* The page number stored at `off` (4 bytes, big-endian): from the last
   small write at that offset when it is known, else from the file. */
static int page_number_at(SealedFile *p, sqlite3_int64 off, uint32_t *pgno) {
    uint8_t pg[4];
    int rc;
    if (p->pg_valid && p->pg_off == off) {
        *pgno = p->pg_no;
        return SQLITE_OK;
    }
    rc = p->real->pMethods->xRead(p->real, pg, 4, off);
    if (rc != SQLITE_OK) return rc;
    *pgno = get_be32(pg);
    return SQLITE_OK;
}

static void remember_page_number(SealedFile *p, sqlite3_int64 off,
                                 const void *buf) {
    p->pg_off = off;
    p->pg_no = get_be32(buf);
    p->pg_valid = 1;
}

/* ---------------------------------------------------------------- journal */

/* A rollback-journal record is [pgno 4][page][checksum 4] after a header
   padded to a multiple of the sector size: page images always start at an
   offset = 4 (mod 8), headers and their fields at 0 (mod 4) with other sizes. */
static int is_journal_image(int iAmt, sqlite3_int64 iOfst) {
    return iAmt == PS && (iOfst & 7) == 4;
}

static int journal_read(SealedFile *p, void *zBuf, int iAmt,
                        sqlite3_int64 iOfst) {
    sqlite3_file *r = p->real;
    int rc;
    if (is_journal_image(iAmt, iOfst)) {
        uint8_t pg[4];
        uint32_t pgno;
        uint8_t *page = zBuf;
        p->ck_valid = 0;
        rc = r->pMethods->xRead(r, zBuf, iAmt, iOfst);
        if (rc != SQLITE_OK) {
            if (rc == SQLITE_IOERR_SHORT_READ) memset(zBuf, 0, iAmt);
            return rc;
        }
        rc = r->pMethods->xRead(r, pg, 4, iOfst - 4);
        if (rc != SQLITE_OK) return SQLITE_IOERR_READ;
        pgno = get_be32(pg);
        memcpy(p->ck_nonce, page + PAYLOAD, 24);
        if (open_page(p->vfs->keys, pgno, page) != 0) {
            /* Records are only read up to the synced count: a failure here
               is damage or tampering, never an interrupted write. */
            note_failure(p->vfs, CSEALED_REGION_JOURNAL, pgno);
            return CSEALED_IOERR_AUTH;
        }
        p->ck_off = iOfst + PS;
        p->ck_valid = 1;
        return SQLITE_OK;
    }
    rc = r->pMethods->xRead(r, zBuf, iAmt, iOfst);
    if (rc == SQLITE_OK && iAmt == 4 && p->ck_valid && iOfst == p->ck_off) {
        uint8_t m[4];
        journal_mask(p->vfs->keys, p->ck_nonce, m);
        for (int i = 0; i < 4; i++) ((uint8_t *)zBuf)[i] ^= m[i];
    }
    p->ck_valid = 0;
    return rc;
}

static int journal_write(SealedFile *p, const void *zBuf, int iAmt,
                         sqlite3_int64 iOfst) {
    sqlite3_file *r = p->real;
    if (is_journal_image(iAmt, iOfst)) {
        uint32_t pgno;
        int rc = page_number_at(p, iOfst - 4, &pgno);
        if (rc != SQLITE_OK) return SQLITE_IOERR_WRITE;
        seal_page(p->vfs->keys, pgno, zBuf, p->buf);
        rc = r->pMethods->xWrite(r, p->buf, PS, iOfst);
        memcpy(p->ck_nonce, p->buf + PAYLOAD, 24);
        p->ck_off = iOfst + PS;
        p->ck_valid = (rc == SQLITE_OK);
        return rc;
    }
    if (iAmt == 4 && p->ck_valid && iOfst == p->ck_off) {
        uint8_t m[4], out[4];
        journal_mask(p->vfs->keys, p->ck_nonce, m);
        for (int i = 0; i < 4; i++) out[i] = ((const uint8_t *)zBuf)[i] ^ m[i];
        p->ck_valid = 0;
        return r->pMethods->xWrite(r, out, 4, iOfst);
    }
    p->ck_valid = 0;
    if (iAmt == 4) remember_page_number(p, iOfst, zBuf); /* a record's pgno */
    return r->pMethods->xWrite(r, zBuf, iAmt, iOfst);
}

/* -------------------------------------------------------------------- WAL */

static sqlite3_int64 frame_start(sqlite3_int64 i) { /* i is 0-based */
    return WAL_HDR + i * (sqlite3_int64)WAL_FRAME;
}

/* Fetches `n` bytes at absolute offset `off` from the caller's buffer when it
   covers them, else from the file. */
static int wal_bytes(SealedFile *p, const uint8_t *buf, sqlite3_int64 bufOff,
                     int bufLen, sqlite3_int64 off, int n, uint8_t *out) {
    if (off >= bufOff && off + n <= bufOff + bufLen) {
        memcpy(out, buf + (off - bufOff), n);
        return SQLITE_OK;
    }
    return p->real->pMethods->xRead(p->real, out, n, off);
}

/* XORs the mask over the checksum bytes [F+16, F+24) of every frame header
   that intersects [iOfst, iOfst+iAmt). Salts come from the header itself. */
static int wal_mask_range(SealedFile *p, uint8_t *buf, int iAmt,
                          sqlite3_int64 iOfst, const uint8_t *saltSrc) {
    sqlite3_int64 end = iOfst + iAmt;
    sqlite3_int64 first, last;
    if (end <= WAL_HDR) return SQLITE_OK;
    first = iOfst <= WAL_HDR ? 0 : (iOfst - WAL_HDR) / WAL_FRAME;
    last = (end - 1 - WAL_HDR) / WAL_FRAME;
    for (sqlite3_int64 f = first; f <= last; f++) {
        sqlite3_int64 F = frame_start(f);
        sqlite3_int64 a = F + 16, b = F + 24;
        sqlite3_int64 lo = a > iOfst ? a : iOfst;
        sqlite3_int64 hi = b < end ? b : end;
        uint8_t salts[8], m[8];
        int rc;
        if (lo >= hi) continue;
        rc = wal_bytes(p, saltSrc, iOfst, iAmt, F + 8, 8, salts);
        if (rc != SQLITE_OK) return rc;
        wal_mask(p->vfs->keys, salts, F, m);
        for (sqlite3_int64 x = lo; x < hi; x++) buf[x - iOfst] ^= m[x - a];
    }
    return SQLITE_OK;
}

/* 1 when a commit frame after frame `f` (0-based) belongs to the current
   log (its salts are the WAL header's) and authenticates, 0 when none does,
   -1 on an I/O error. Only called on the failure path of a recovery.
   Frames after the last commit are an unfinished transaction that recovery
   drops anyway (and that SQLite may rewrite in place, so a crash can tear
   one of them with valid frames after it): only a later commit means that
   committed work would be lost. */
static int wal_commit_after(SealedFile *p, sqlite3_int64 f) {
    sqlite3_file *r = p->real;
    sqlite3_int64 size = 0;
    uint8_t hdr[WAL_HDR];
    uint8_t *frame;
    int found = 0;
    if (r->pMethods->xFileSize(r, &size) != SQLITE_OK) return -1;
    if (r->pMethods->xRead(r, hdr, WAL_HDR, 0) != SQLITE_OK) return -1;
    frame = sqlite3_malloc(WAL_FRAME);
    if (frame == NULL) return -1;
    for (sqlite3_int64 i = f + 1; frame_start(i) + WAL_FRAME <= size; i++) {
        if (r->pMethods->xRead(r, frame, WAL_FRAME, frame_start(i)) != SQLITE_OK)
            break;
        if (memcmp(frame + 8, hdr + 16, 8) != 0) break; /* an older log */
        if (get_be32(frame + 4) == 0) continue; /* not a commit frame */
        if (open_page(p->vfs->keys, get_be32(frame), frame + WAL_FHDR) == 0) {
            found = 1;
            break;
        }
    }
    sodium_memzero(frame, WAL_FRAME);
    sqlite3_free(frame);
    return found;
}

static int wal_read(SealedFile *p, void *zBuf, int iAmt, sqlite3_int64 iOfst) {
    uint8_t *buf = zBuf;
    sqlite3_int64 end = iOfst + iAmt;
    sqlite3_int64 first, last;
    int rc = p->real->pMethods->xRead(p->real, zBuf, iAmt, iOfst);
    if (rc != SQLITE_OK) return rc;
    if (p->db && p->db->in_ckpt && iAmt == PS && iOfst >= WAL_HDR &&
        (iOfst - WAL_HDR) % WAL_FRAME == WAL_FHDR) {
        /* Checkpoint copy: leave the page sealed (main_write stores it). */
        return SQLITE_OK;
    }
    if (end <= WAL_HDR) return SQLITE_OK;
    /* Unmask checksums first (salts read from the ciphertext-side header,
       which is in clear). */
    rc = wal_mask_range(p, buf, iAmt, iOfst, buf);
    if (rc != SQLITE_OK) return SQLITE_IOERR_READ;
    first = iOfst <= WAL_HDR ? 0 : (iOfst - WAL_HDR) / WAL_FRAME;
    last = (end - 1 - WAL_HDR) / WAL_FRAME;
    for (sqlite3_int64 f = first; f <= last; f++) {
        sqlite3_int64 F = frame_start(f);
        sqlite3_int64 P = F + WAL_FHDR;
        uint8_t pg[4];
        int headerInside = (F >= iOfst && F + WAL_FHDR <= end);
        if (P + PS <= iOfst || P >= end) continue;          /* header only */
        if (P < iOfst || P + PS > end) return SQLITE_IOERR_READ; /* partial */
        rc = wal_bytes(p, buf, iOfst, iAmt, F, 4, pg);
        if (rc != SQLITE_OK) return SQLITE_IOERR_READ;
        if (open_page(p->vfs->keys, get_be32(pg), buf + (P - iOfst)) != 0) {
            note_failure(p->vfs, CSEALED_REGION_WAL, f + 1);
            if (headerInside) {
                /* Recovery reads header and page together. A frame that an
                   interrupted write left torn is the last one of its log:
                   make it invalid (page number 0) so that it ends the log
                   there, as SQLite would. But when a later commit frame of
                   the same log (same salts) still authenticates, this one was
                   damaged or altered after it was written: ending the log
                   here would silently drop the commits after it, so the
                   recovery is refused and the frame named instead. */
                int later = wal_commit_after(p, f);
                if (later < 0) return SQLITE_IOERR_READ;
                if (later) return CSEALED_IOERR_AUTH;
                memset(buf + (F - iOfst), 0, WAL_FHDR);
                continue;
            }
            return CSEALED_IOERR_AUTH;
        }
    }
    return SQLITE_OK;
}

static int wal_write(SealedFile *p, const void *zBuf, int iAmt,
                     sqlite3_int64 iOfst) {
    sqlite3_file *r = p->real;
    sqlite3_int64 rel = iOfst - WAL_HDR;
    if (iOfst + iAmt <= WAL_HDR) return r->pMethods->xWrite(r, zBuf, iAmt, iOfst);
    if (rel < 0) return SQLITE_IOERR_WRITE;
    if (iAmt == WAL_FHDR && rel % WAL_FRAME == 0) {
        uint8_t out[WAL_FHDR];
        int rc;
        memcpy(out, zBuf, WAL_FHDR);
        rc = wal_mask_range(p, out, WAL_FHDR, iOfst, out);
        if (rc != SQLITE_OK) return SQLITE_IOERR_WRITE;
        remember_page_number(p, iOfst, zBuf);
        return r->pMethods->xWrite(r, out, WAL_FHDR, iOfst);
    }
    if (iAmt == PS && rel % WAL_FRAME == WAL_FHDR) {
        uint32_t pgno;
        int rc = page_number_at(p, iOfst - WAL_FHDR, &pgno);
        if (rc != SQLITE_OK) return SQLITE_IOERR_WRITE;
        seal_page(p->vfs->keys, pgno, zBuf, p->buf);
        return r->pMethods->xWrite(r, p->buf, PS, iOfst);
    }
    /* Any other shape would carry page bytes we cannot seal: refuse. */
    return SQLITE_IOERR_WRITE;
}

/* ------------------------------------------------------------ io methods */

static int sf_close(sqlite3_file *f) {
    SealedFile *p = (SealedFile *)f;
    int rc = SQLITE_OK;
    if (p->real->pMethods) rc = p->real->pMethods->xClose(p->real);
    if (p->buf) {
        sodium_memzero(p->buf, PS);
        sqlite3_free(p->buf);
        p->buf = NULL;
    }
    return rc;
}

static int sf_read(sqlite3_file *f, void *zBuf, int iAmt, sqlite3_int64 iOfst) {
    SealedFile *p = (SealedFile *)f;
    switch (p->kind) {
    case KIND_MAIN: return main_read(p, zBuf, iAmt, iOfst);
    case KIND_JOURNAL: return journal_read(p, zBuf, iAmt, iOfst);
    default: return wal_read(p, zBuf, iAmt, iOfst);
    }
}

static int sf_write(sqlite3_file *f, const void *zBuf, int iAmt,
                    sqlite3_int64 iOfst) {
    SealedFile *p = (SealedFile *)f;
    switch (p->kind) {
    case KIND_MAIN: return main_write(p, zBuf, iAmt, iOfst);
    case KIND_JOURNAL: return journal_write(p, zBuf, iAmt, iOfst);
    default: return wal_write(p, zBuf, iAmt, iOfst);
    }
}

static int sf_truncate(sqlite3_file *f, sqlite3_int64 size) {
    SealedFile *p = (SealedFile *)f;
    if (p->kind == KIND_MAIN) size += HDR;
    p->ck_valid = 0;
    p->pg_valid = 0;
    return p->real->pMethods->xTruncate(p->real, size);
}

static int sf_sync(sqlite3_file *f, int flags) {
    SealedFile *p = (SealedFile *)f;
    return p->real->pMethods->xSync(p->real, flags);
}

static int sf_file_size(sqlite3_file *f, sqlite3_int64 *pSize) {
    SealedFile *p = (SealedFile *)f;
    int rc = p->real->pMethods->xFileSize(p->real, pSize);
    if (rc == SQLITE_OK && p->kind == KIND_MAIN) {
        *pSize = *pSize > HDR ? *pSize - HDR : 0;
    }
    return rc;
}

static int sf_lock(sqlite3_file *f, int l) {
    SealedFile *p = (SealedFile *)f;
    return p->real->pMethods->xLock(p->real, l);
}
static int sf_unlock(sqlite3_file *f, int l) {
    SealedFile *p = (SealedFile *)f;
    return p->real->pMethods->xUnlock(p->real, l);
}
static int sf_check_reserved(sqlite3_file *f, int *pRes) {
    SealedFile *p = (SealedFile *)f;
    return p->real->pMethods->xCheckReservedLock(p->real, pRes);
}

static int sf_file_control(sqlite3_file *f, int op, void *pArg) {
    SealedFile *p = (SealedFile *)f;
    switch (op) {
    case SQLITE_FCNTL_CKPT_START:
        if (p->kind == KIND_MAIN) p->in_ckpt = 1;
        break;
    case SQLITE_FCNTL_CKPT_DONE:
        if (p->kind == KIND_MAIN) p->in_ckpt = 0;
        break;
    case SQLITE_FCNTL_MMAP_SIZE:
        /* A mapping would hand SQLite ciphertext: always none. */
        *(sqlite3_int64 *)pArg = 0;
        return SQLITE_OK;
    case SQLITE_FCNTL_SIZE_HINT:
        if (p->kind == KIND_MAIN) {
            sqlite3_int64 sz = *(sqlite3_int64 *)pArg + HDR;
            return p->real->pMethods->xFileControl(p->real, op, &sz);
        }
        break;
    case SQLITE_FCNTL_VFSNAME:
        *(char **)pArg = sqlite3_mprintf("%s", p->vfs->name);
        return SQLITE_OK;
    default:
        break;
    }
    return p->real->pMethods->xFileControl(p->real, op, pArg);
}

static int sf_sector_size(sqlite3_file *f) {
    SealedFile *p = (SealedFile *)f;
    return p->real->pMethods->xSectorSize(p->real);
}

static int sf_device_characteristics(sqlite3_file *f) {
    SealedFile *p = (SealedFile *)f;
    int dc = p->real->pMethods->xDeviceCharacteristics(p->real);
    /* Batch-atomic writes use write patterns this shim does not seal. */
    return dc & ~SQLITE_IOCAP_BATCH_ATOMIC;
}

static int sf_shm_map(sqlite3_file *f, int pg, int sz, int ext,
                      void volatile **pp) {
    SealedFile *p = (SealedFile *)f;
    return p->real->pMethods->xShmMap(p->real, pg, sz, ext, pp);
}
static int sf_shm_lock(sqlite3_file *f, int off, int n, int flags) {
    SealedFile *p = (SealedFile *)f;
    return p->real->pMethods->xShmLock(p->real, off, n, flags);
}
static void sf_shm_barrier(sqlite3_file *f) {
    SealedFile *p = (SealedFile *)f;
    p->real->pMethods->xShmBarrier(p->real);
}
static int sf_shm_unmap(sqlite3_file *f, int del) {
    SealedFile *p = (SealedFile *)f;
    return p->real->pMethods->xShmUnmap(p->real, del);
}
static int sf_fetch(sqlite3_file *f, sqlite3_int64 off, int amt, void **pp) {
    (void)f; (void)off; (void)amt;
    *pp = NULL; /* never map: SQLite falls back to xRead */
    return SQLITE_OK;
}
static int sf_unfetch(sqlite3_file *f, sqlite3_int64 off, void *ptr) {
    (void)f; (void)off; (void)ptr;
    return SQLITE_OK;
}

static const sqlite3_io_methods sealed_io = {
    3,
    sf_close, sf_read, sf_write, sf_truncate, sf_sync, sf_file_size,
    sf_lock, sf_unlock, sf_check_reserved, sf_file_control, sf_sector_size,
    sf_device_characteristics, sf_shm_map, sf_shm_lock, sf_shm_barrier,
    sf_shm_unmap, sf_fetch, sf_unfetch,
};

/* ------------------------------------------------------------ vfs methods */

static int sv_open(sqlite3_vfs *pVfs, const char *zName, sqlite3_file *pFile,
                   int flags, int *pOutFlags) {
    csealed_vfs *v = (csealed_vfs *)pVfs;
    SealedFile *p = (SealedFile *)pFile;
    int kind;
    int rc;
    memset(p, 0, sizeof *p);
    if (flags & SQLITE_OPEN_MAIN_DB) kind = KIND_MAIN;
    else if (flags & SQLITE_OPEN_MAIN_JOURNAL) kind = KIND_JOURNAL;
    else if (flags & SQLITE_OPEN_WAL) kind = KIND_WAL;
    else {
        /* Temp databases, statement journals, sorter files, super-journals:
           every connection runs temp_store=MEMORY, so reaching here means a
           file would be written outside the seal. Refuse. */
        atomic_fetch_add(&v->refused_temp, 1);
        return SQLITE_CANTOPEN;
    }
    if (zName == NULL) return SQLITE_CANTOPEN;
    p->vfs = v;
    p->kind = kind;
    p->real = (sqlite3_file *)&p[1];
    p->buf = sqlite3_malloc(PS);
    if (p->buf == NULL) return SQLITE_NOMEM;
    rc = v->root->xOpen(v->root, zName, p->real, flags, pOutFlags);
    if (rc != SQLITE_OK) {
        sqlite3_free(p->buf);
        p->buf = NULL;
        return rc;
    }
    if (kind == KIND_MAIN) {
        /* The envelope must already be there: the vault layer writes it
           before SQLite ever sees the file. */
        sqlite3_int64 sz = 0;
        atomic_fetch_add(&v->main_opens, 1);
        rc = p->real->pMethods->xFileSize(p->real, &sz);
        if (rc != SQLITE_OK || sz < HDR) {
            p->real->pMethods->xClose(p->real);
            p->real->pMethods = NULL;
            sqlite3_free(p->buf);
            p->buf = NULL;
            return SQLITE_NOTADB;
        }
        /* Only the envelope: SQLite will create the database (see
           main_write for what this allows). */
        p->fresh = (sz == HDR);
    }
    if (kind == KIND_WAL) {
        /* Link the WAL to its database file, for checkpoint copies. */
        sqlite3_file *db = sqlite3_database_file_object(zName);
        if (db && db->pMethods == &sealed_io) p->db = (SealedFile *)db;
    }
    pFile->pMethods = &sealed_io;
    return SQLITE_OK;
}

static int sv_delete(sqlite3_vfs *pVfs, const char *zName, int syncDir) {
    csealed_vfs *v = (csealed_vfs *)pVfs;
    return v->root->xDelete(v->root, zName, syncDir);
}
static int sv_access(sqlite3_vfs *pVfs, const char *zName, int flags,
                     int *pResOut) {
    csealed_vfs *v = (csealed_vfs *)pVfs;
    return v->root->xAccess(v->root, zName, flags, pResOut);
}
static int sv_full_pathname(sqlite3_vfs *pVfs, const char *zName, int nOut,
                            char *zOut) {
    csealed_vfs *v = (csealed_vfs *)pVfs;
    return v->root->xFullPathname(v->root, zName, nOut, zOut);
}
static void *sv_dlopen(sqlite3_vfs *pVfs, const char *zPath) {
    (void)pVfs; (void)zPath;
    return NULL; /* no extension loading through a sealed vault */
}
static void sv_dlerror(sqlite3_vfs *pVfs, int nByte, char *zErrMsg) {
    (void)pVfs;
    sqlite3_snprintf(nByte, zErrMsg, "extension loading is disabled");
}
static void (*sv_dlsym(sqlite3_vfs *pVfs, void *p, const char *zSym))(void) {
    (void)pVfs; (void)p; (void)zSym;
    return NULL;
}
static void sv_dlclose(sqlite3_vfs *pVfs, void *p) { (void)pVfs; (void)p; }
static int sv_randomness(sqlite3_vfs *pVfs, int nByte, char *zOut) {
    (void)pVfs;
    randombytes_buf(zOut, (size_t)nByte);
    return nByte;
}
static int sv_sleep(sqlite3_vfs *pVfs, int us) {
    csealed_vfs *v = (csealed_vfs *)pVfs;
    return v->root->xSleep(v->root, us);
}
static int sv_current_time(sqlite3_vfs *pVfs, double *pOut) {
    csealed_vfs *v = (csealed_vfs *)pVfs;
    return v->root->xCurrentTime(v->root, pOut);
}
static int sv_get_last_error(sqlite3_vfs *pVfs, int n, char *z) {
    csealed_vfs *v = (csealed_vfs *)pVfs;
    return v->root->xGetLastError ? v->root->xGetLastError(v->root, n, z) : 0;
}
static int sv_current_time_int64(sqlite3_vfs *pVfs, sqlite3_int64 *pOut) {
    csealed_vfs *v = (csealed_vfs *)pVfs;
    return v->root->xCurrentTimeInt64(v->root, pOut);
}

/* ------------------------------------------------------------------- API */

csealed_vfs *csealed_register(const char *name, const uint8_t page_key[32],
                              const uint8_t mask_key[32],
                              const uint8_t file_id[16]) {
    csealed_vfs *v;
    sqlite3_vfs *root;
    if (sodium_init() < 0) return NULL;
    if (sqlite3_initialize() != SQLITE_OK) return NULL;
    root = sqlite3_vfs_find(NULL);
    if (root == NULL || sqlite3_vfs_find(name) != NULL) return NULL;
    v = calloc(1, sizeof *v);
    if (v == NULL) return NULL;
    v->keys = sodium_malloc(sizeof(Keys));
    v->name = strdup(name);
    if (v->keys == NULL || v->name == NULL) {
        if (v->keys) sodium_free(v->keys);
        free(v->name);
        free(v);
        return NULL;
    }
    memcpy(v->keys->page_key, page_key, CSEALED_KEY_BYTES);
    memcpy(v->keys->mask_key, mask_key, CSEALED_KEY_BYTES);
    memcpy(v->keys->file_id, file_id, CSEALED_FILE_ID_BYTES);
    sodium_mprotect_readonly(v->keys);
    v->root = root;
    v->base.iVersion = 2;
    v->base.szOsFile = (int)sizeof(SealedFile) + root->szOsFile;
    v->base.mxPathname = root->mxPathname;
    v->base.zName = v->name;
    v->base.pAppData = v;
    v->base.xOpen = sv_open;
    v->base.xDelete = sv_delete;
    v->base.xAccess = sv_access;
    v->base.xFullPathname = sv_full_pathname;
    v->base.xDlOpen = sv_dlopen;
    v->base.xDlError = sv_dlerror;
    v->base.xDlSym = sv_dlsym;
    v->base.xDlClose = sv_dlclose;
    v->base.xRandomness = sv_randomness;
    v->base.xSleep = sv_sleep;
    v->base.xCurrentTime = sv_current_time;
    v->base.xGetLastError = sv_get_last_error;
    v->base.xCurrentTimeInt64 = sv_current_time_int64;
    if (sqlite3_vfs_register(&v->base, 0) != SQLITE_OK) {
        sodium_free(v->keys);
        free(v->name);
        free(v);
        return NULL;
    }
    return v;
}

void csealed_unregister(csealed_vfs *v) {
    if (v == NULL) return;
    sqlite3_vfs_unregister(&v->base);
    sodium_free(v->keys); /* wipes */
    free(v->name);
    free(v);
}

const char *csealed_name(const csealed_vfs *v) { return v->name; }

int csealed_last_failure(const csealed_vfs *v, int64_t *index) {
    int region = atomic_load(&((csealed_vfs *)v)->fail_region);
    if (index) *index = atomic_load(&((csealed_vfs *)v)->fail_index);
    return region;
}

void csealed_clear_failure(csealed_vfs *v) {
    atomic_store(&v->fail_region, CSEALED_REGION_NONE);
    atomic_store(&v->fail_index, 0);
}

int64_t csealed_main_opens(const csealed_vfs *v) {
    return atomic_load(&((csealed_vfs *)v)->main_opens);
}
int64_t csealed_refused_temp_files(const csealed_vfs *v) {
    return atomic_load(&((csealed_vfs *)v)->refused_temp);
}

/* Opens `path` through the unix VFS (not through open(2): closing our own
   descriptor would drop the POSIX locks of this process's connections). */
static int root_open(const char *path, int flags, sqlite3_file **out) {
    sqlite3_vfs *root;
    sqlite3_file *f;
    int rc, outFlags = 0;
    if (sqlite3_initialize() != SQLITE_OK) return SQLITE_ERROR;
    root = sqlite3_vfs_find(NULL);
    if (root == NULL) return SQLITE_ERROR;
    f = sqlite3_malloc(root->szOsFile);
    if (f == NULL) return SQLITE_NOMEM;
    memset(f, 0, root->szOsFile);
    rc = root->xOpen(root, path, f, flags, &outFlags);
    if (rc != SQLITE_OK) {
        if (f->pMethods) f->pMethods->xClose(f);
        sqlite3_free(f);
        return rc;
    }
    *out = f;
    return SQLITE_OK;
}

static void root_close(sqlite3_file *f) {
    if (f->pMethods) f->pMethods->xClose(f);
    sqlite3_free(f);
}

int64_t csealed_verify_main(csealed_vfs *v, const char *path,
                            csealed_failure_cb cb, void *ctx, int64_t *pages) {
    return csealed_verify_main_progress(v, path, cb, ctx, pages, NULL, NULL);
}

int64_t csealed_verify_main_progress(csealed_vfs *v, const char *path,
                                     csealed_failure_cb cb, void *ctx, int64_t *pages,
                                     csealed_progress_cb progress, void *pctx) {
    sqlite3_file *f;
    sqlite3_int64 size = 0, n;
    int64_t bad = 0;
    uint8_t *page;
    int rc = root_open(path, SQLITE_OPEN_MAIN_DB | SQLITE_OPEN_READONLY, &f);
    if (rc != SQLITE_OK) return -1;
    if (f->pMethods->xFileSize(f, &size) != SQLITE_OK || size < HDR) {
        root_close(f);
        return -1;
    }
    page = sodium_malloc(PS);
    if (page == NULL) {
        root_close(f);
        return -1;
    }
    n = (size - HDR + PS - 1) / PS;
    for (sqlite3_int64 pg = 1; pg <= n; pg++) {
        if (pg == LOCK_BYTE_PAGE) continue;
        rc = f->pMethods->xRead(f, page, PS, HDR + (pg - 1) * PS);
        if ((rc != SQLITE_OK && rc != SQLITE_IOERR_SHORT_READ) ||
            open_page(v->keys, (uint32_t)pg, page) != 0 ||
            (pg == 1 && !page1_geometry_ok(page))) {
            bad++;
            if (cb) cb(ctx, CSEALED_REGION_MAIN, pg);
        }
        if (progress && (pg % 4096 == 0 || pg == n)) progress(pctx, pg, n);
    }
    if (pages) *pages = n;
    sodium_free(page);
    root_close(f);
    return bad;
}

int64_t csealed_verify_wal(csealed_vfs *v, const char *path,
                           csealed_failure_cb cb, void *ctx, int64_t *frames,
                           int *torn_tail) {
    sqlite3_file *f;
    sqlite3_int64 size = 0, nFrames;
    uint8_t hdr[WAL_HDR];
    uint8_t *frame;
    int64_t bad = 0, pendingFail = 0, count = 0;
    int exists = 0, rc;
    sqlite3_vfs *root = sqlite3_vfs_find(NULL);
    if (frames) *frames = 0;
    if (torn_tail) *torn_tail = 0;
    if (root == NULL) return -1;
    if (root->xAccess(root, path, SQLITE_ACCESS_EXISTS, &exists) != SQLITE_OK)
        return -1;
    if (!exists) return 0;
    rc = root_open(path, SQLITE_OPEN_WAL | SQLITE_OPEN_READONLY, &f);
    if (rc != SQLITE_OK) return -1;
    if (f->pMethods->xFileSize(f, &size) != SQLITE_OK) {
        root_close(f);
        return -1;
    }
    if (size < WAL_HDR + WAL_FRAME ||
        f->pMethods->xRead(f, hdr, WAL_HDR, 0) != SQLITE_OK) {
        root_close(f);
        return 0;
    }
    frame = sodium_malloc(WAL_FRAME);
    if (frame == NULL) {
        root_close(f);
        return -1;
    }
    nFrames = (size - WAL_HDR) / WAL_FRAME;
    for (sqlite3_int64 i = 0; i < nFrames; i++) {
        if (f->pMethods->xRead(f, frame, WAL_FRAME, frame_start(i)) != SQLITE_OK)
            break;
        /* Frames of an earlier generation carry other salts: the log of the
           current generation ends there. */
        if (memcmp(frame + 8, hdr + 16, 8) != 0) break;
        count++;
        if (open_page(v->keys, get_be32(frame), frame + WAL_FHDR) != 0) {
            if (pendingFail) {
                bad++;
                if (cb) cb(ctx, CSEALED_REGION_WAL, pendingFail);
            }
            pendingFail = i + 1;
        } else if (pendingFail) {
            /* A valid frame after a failing one: not an interrupted write. */
            bad++;
            if (cb) cb(ctx, CSEALED_REGION_WAL, pendingFail);
            pendingFail = 0;
        }
    }
    if (pendingFail && torn_tail) *torn_tail = 1;
    if (frames) *frames = count;
    sodium_free(frame);
    root_close(f);
    return bad;
}

int csealed_envelope_read(const char *path, uint8_t *buf, int len,
                          int64_t offset) {
    sqlite3_file *f;
    int rc = root_open(path, SQLITE_OPEN_MAIN_DB | SQLITE_OPEN_READONLY, &f);
    if (rc != SQLITE_OK) return rc;
    rc = f->pMethods->xRead(f, buf, len, offset);
    root_close(f);
    return rc;
}

int csealed_envelope_write(const char *path, const uint8_t *buf, int len,
                           int64_t offset) {
    sqlite3_file *f;
    int rc = root_open(path, SQLITE_OPEN_MAIN_DB | SQLITE_OPEN_READWRITE, &f);
    if (rc != SQLITE_OK) return rc;
    rc = f->pMethods->xWrite(f, buf, len, offset);
    if (rc == SQLITE_OK) rc = f->pMethods->xSync(f, SQLITE_SYNC_FULL);
    root_close(f);
    return rc;
}

/* ------------------------------------------------------ process hardening */

int csealed_harden_process(void) {
    struct rlimit none = {0, 0};
    int ok = 1;
    /* No core file (it would hold the passphrase, keys and unsealed pages),
       and no ptrace attach nor /proc/PID/mem reading by other processes of
       the same user. */
    if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) ok = 0;
    if (setrlimit(RLIMIT_CORE, &none) != 0) ok = 0;
    return ok;
}

/* ------------------------------------------------- SQLite's wiping heap */

/* SQLite frees its page cache (unsealed pages), its statements' bound
   values and its result rows without clearing them. This allocator wraps
   the default one (same blocks, same sizes) and zeroes every block, by its
   usable size, before handing it back; a block that moves on realloc is
   zeroed too. It must be configured before SQLite is initialised
   (sqlite3_config refuses afterwards, SQLITE_MISUSE). */
static sqlite3_mem_methods wipe_orig;
static _Atomic int wipe_installed;
/* Test hook: the block whose wipe a test watches, and what it saw. */
static void *_Atomic wipe_watch;
static _Atomic int wipe_watch_result;

static void wipe_block(void *p) {
    int n;
    if (p == NULL) return;
    n = wipe_orig.xSize(p);
    if (n > 0) sodium_memzero(p, (size_t)n);
    if (p == atomic_load(&wipe_watch)) {
        int zero = 1;
        for (int i = 0; i < n; i++) {
            if (((volatile uint8_t *)p)[i] != 0) { zero = 0; break; }
        }
        atomic_store(&wipe_watch_result, zero);
    }
}

static void *wipe_malloc(int n) { return wipe_orig.xMalloc(n); }

static void wipe_free(void *p) {
    wipe_block(p);
    wipe_orig.xFree(p);
}

static void *wipe_realloc(void *p, int n) {
    void *q;
    int old;
    if (p == NULL) return wipe_orig.xMalloc(n);
    old = wipe_orig.xSize(p);
    /* Always a new block: the default realloc could move the data and free
       the old block uncleared. */
    q = wipe_orig.xMalloc(n);
    if (q == NULL) return NULL;
    memcpy(q, p, (size_t)(old < n ? old : n));
    wipe_free(p);
    return q;
}

static int wipe_size(void *p) { return wipe_orig.xSize(p); }
static int wipe_roundup(int n) { return wipe_orig.xRoundup(n); }
static int wipe_init(void *a) { return wipe_orig.xInit(a); }
static void wipe_shutdown(void *a) { wipe_orig.xShutdown(a); }

int csealed_install_wiping_allocator(void) {
    sqlite3_mem_methods mine;
    if (atomic_load(&wipe_installed)) return SQLITE_OK;
    if (sqlite3_config(SQLITE_CONFIG_GETMALLOC, &wipe_orig) != SQLITE_OK) {
        /* SQLite is already initialised: too late in this process. */
        return SQLITE_MISUSE;
    }
    mine = wipe_orig;
    mine.xMalloc = wipe_malloc;
    mine.xFree = wipe_free;
    mine.xRealloc = wipe_realloc;
    mine.xSize = wipe_size;
    mine.xRoundup = wipe_roundup;
    mine.xInit = wipe_init;
    mine.xShutdown = wipe_shutdown;
    mine.pAppData = wipe_orig.pAppData;
    if (sqlite3_config(SQLITE_CONFIG_MALLOC, &mine) != SQLITE_OK) return SQLITE_MISUSE;
    atomic_store(&wipe_installed, 1);
    return SQLITE_OK;
}

int csealed_wiping_allocator_installed(void) {
    return atomic_load(&wipe_installed);
}

int csealed_test_free_wipes(int moveByRealloc) {
    uint8_t *p, *q = NULL;
    if (!atomic_load(&wipe_installed)) return 0;
    p = sqlite3_malloc(256);
    if (p == NULL) return -1;
    memset(p, 0xA5, 256);
    atomic_store(&wipe_watch_result, -1);
    atomic_store(&wipe_watch, p);
    if (moveByRealloc) {
        q = sqlite3_realloc(p, 1 << 20);  /* always a new block here */
        if (q == NULL) { atomic_store(&wipe_watch, NULL); sqlite3_free(p); return -1; }
        if (q[0] != 0xA5 || q[255] != 0xA5) atomic_store(&wipe_watch_result, 0);
    } else {
        sqlite3_free(p);
    }
    atomic_store(&wipe_watch, NULL);
    sqlite3_free(q);
    return atomic_load(&wipe_watch_result);
}

int64_t csealed_pages_written(const csealed_vfs *v) {
    return atomic_load(&((csealed_vfs *)v)->pages_written);
}

/* Installed when the program is loaded, before any code of this process can
   open a database (SQLite has no initialisation of its own at load time):
   the executable, the tests and the probes all get it. Swift calls
   csealed_install_wiping_allocator() again as a safety net. */
__attribute__((constructor)) static void csealed_at_load(void) {
    (void)csealed_install_wiping_allocator();
}

int csealed_is_dumpable(void) { return prctl(PR_GET_DUMPABLE, 0, 0, 0, 0); }

int64_t csealed_core_limit(int hard) {
    struct rlimit r;
    if (getrlimit(RLIMIT_CORE, &r) != 0) return -1;
    return (int64_t)(hard ? r.rlim_max : r.rlim_cur);
}
