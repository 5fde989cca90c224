#!/usr/bin/env python3
"""The insider's tool: what the secretary can do to a Cabinet vault.

This is an ADVERSARY's tool, written from the documentation of the format
(docs/SEALED-STORE.md, the layout comments, the format-2 notes), not from the
production code path: it shares no code with Cabinet. Its holder knows one
passphrase, the secretary's, which opens her key slot and so the vault's data
key, but never the clinical key. With that she can decrypt every page, edit
the database with SQL, re-seal it and re-MAC the envelope; the tests in
Tests/CabinetStoreTests/InsiderAttackTests.swift check that Cabinet notices.

Standard library only: ctypes on the system's libsodium (libsodium.so.23),
hashlib's BLAKE2b, sqlite3 and json.

Both formats are handled, chosen by the envelope's version field: format 1
(today) and format 2 (roster, clinical row MACs, signed trail, database state
in the envelope).

Usage: adversary.py COMMAND VAULT [options]    (adversary.py -h for the list)
Exit status: 0 done (for can-open: the slot yields a key that opens page 1),
1 refused or not possible (can-open: it does not), 2 usage or precondition
(wrong passphrase, a WAL not folded back, ...).
"""

import argparse
import ctypes
import ctypes.util
import hashlib
import json
import os
import shutil
import sqlite3
import struct
import sys
import tempfile

# ---------------------------------------------------------------- libsodium

_lib_name = "libsodium.so.23"
try:
    sodium = ctypes.CDLL(_lib_name)
except OSError:
    sodium = ctypes.CDLL(ctypes.util.find_library("sodium") or _lib_name)
if sodium.sodium_init() < 0:
    raise SystemExit("libsodium failed to initialise")

_u8p = ctypes.c_char_p
_ull = ctypes.c_ulonglong


def _proto(name, *args):
    f = getattr(sodium, name)
    f.argtypes = list(args)
    f.restype = ctypes.c_int
    return f


_pwhash = _proto("crypto_pwhash", _u8p, _ull, _u8p, _ull, _u8p, _ull, ctypes.c_size_t, ctypes.c_int)
_aead_enc = _proto("crypto_aead_xchacha20poly1305_ietf_encrypt",
                   _u8p, ctypes.POINTER(_ull), _u8p, _ull, _u8p, _ull, ctypes.c_void_p, _u8p, _u8p)
_aead_dec = _proto("crypto_aead_xchacha20poly1305_ietf_decrypt",
                   _u8p, ctypes.POINTER(_ull), ctypes.c_void_p, _u8p, _ull, _u8p, _ull, _u8p, _u8p)
_aead_enc_d = _proto("crypto_aead_xchacha20poly1305_ietf_encrypt_detached",
                     _u8p, _u8p, ctypes.POINTER(_ull), _u8p, _ull, _u8p, _ull, ctypes.c_void_p, _u8p, _u8p)
_aead_dec_d = _proto("crypto_aead_xchacha20poly1305_ietf_decrypt_detached",
                     _u8p, ctypes.c_void_p, _u8p, _ull, _u8p, _u8p, _ull, _u8p, _u8p)
_box_keypair = _proto("crypto_box_keypair", _u8p, _u8p)
_box_seal = _proto("crypto_box_seal", _u8p, _u8p, _ull, _u8p)
_box_seal_open = _proto("crypto_box_seal_open", _u8p, _u8p, _ull, _u8p, _u8p)
_kdf = _proto("crypto_kdf_derive_from_key", _u8p, ctypes.c_size_t, ctypes.c_uint64, ctypes.c_char_p, _u8p)
_sign_seed_keypair = _proto("crypto_sign_seed_keypair", _u8p, _u8p, _u8p)
_sign_detached = _proto("crypto_sign_detached", _u8p, ctypes.POINTER(_ull), _u8p, _ull, _u8p)

ARGON2ID13 = 2


def random_bytes(n):
    return os.urandom(n)


def blake2b(msg, key=None):
    """crypto_generichash with a 32-byte output (unkeyed when key is None)."""
    return hashlib.blake2b(msg, digest_size=32, key=key or b"").digest()


def kdf(key, subkey_id, context):
    out = ctypes.create_string_buffer(32)
    _kdf(out, 32, subkey_id, context.encode(), key)
    return out.raw


def argon2id(secret, salt, ops, mem):
    out = ctypes.create_string_buffer(32)
    if _pwhash(out, 32, secret, len(secret), salt, ops, mem, ARGON2ID13) != 0:
        raise SystemExit("argon2id: out of memory")
    return out.raw


def aead_seal(plain, key, ad):
    """nonce ‖ ciphertext ‖ tag (the slot and clinical-value layout)."""
    nonce = random_bytes(24)
    out = ctypes.create_string_buffer(len(plain) + 16)
    n = _ull(0)
    _aead_enc(out, ctypes.byref(n), plain, len(plain), ad, len(ad), None, nonce, key)
    return nonce + out.raw[:n.value]


def aead_open(sealed, key, ad):
    if len(sealed) < 40:
        return None
    nonce, c = sealed[:24], sealed[24:]
    out = ctypes.create_string_buffer(len(c))
    n = _ull(0)
    if _aead_dec(out, ctypes.byref(n), None, c, len(c), ad, len(ad), nonce, key) != 0:
        return None
    return out.raw[:n.value]


def box_keypair():
    pk, sk = ctypes.create_string_buffer(32), ctypes.create_string_buffer(32)
    _box_keypair(pk, sk)
    return pk.raw, sk.raw


def box_seal(msg, pk):
    out = ctypes.create_string_buffer(len(msg) + 48)
    _box_seal(out, msg, len(msg), pk)
    return out.raw


def box_seal_open(sealed, pk, sk):
    out = ctypes.create_string_buffer(max(len(sealed) - 48, 1))
    if len(sealed) != 80 or _box_seal_open(out, sealed, len(sealed), pk, sk) != 0:
        return None
    return out.raw[:32]


def sign_detached(msg, seed):
    pk, sk = ctypes.create_string_buffer(32), ctypes.create_string_buffer(64)
    _sign_seed_keypair(pk, sk, seed)
    sig = ctypes.create_string_buffer(64)
    _sign_detached(sig, None, msg, len(msg), sk)
    return sig.raw


def sign_public(seed):
    pk, sk = ctypes.create_string_buffer(32), ctypes.create_string_buffer(64)
    _sign_seed_keypair(pk, sk, seed)
    return pk.raw


def le64(v):
    return struct.pack("<Q", v)


# ---------------------------------------------------------------- envelope

HEADER = 16384                 # two copies of 8 KiB, then page 1
COPY = HEADER // 2
PAGE = 4096
RESERVE = 40
PAYLOAD = PAGE - RESERVE       # sealed part of a page; nonce 24 + tag 16 follow
MAGIC = b"CABVAULT"
SLOTS_AT, SLOT_SIZE, MAX_SLOTS = 64, 360, 20
MAC_AT, CHECKSUM_AT = COPY - 64, COPY - 32
DB_STATE_AT, DB_PAGES_AT = 7264, 7272          # format 2 only
ROLES = {0: "recovery", 1: "doctor", 2: "replacement", 3: "secretary"}
ROLE_IDS = {v: k for k, v in ROLES.items()}


class Slot:
    """One 360-byte key slot (layout of KeySlot.encode)."""

    def __init__(self, raw):
        self.version, self.role, self.must_change = raw[0], raw[1], raw[2]
        n = raw[3]
        self.login = raw[4:4 + n].decode()
        i = 4 + 32
        self.alg = raw[i]
        self.ops, self.mem = struct.unpack_from("<QQ", raw, i + 1)
        i += 17
        self.salt, i = raw[i:i + 16], i + 16
        self.pk, i = raw[i:i + 32], i + 32
        self.wrapped_secret, i = raw[i:i + 72], i + 72
        self.sealed_data_key, i = raw[i:i + 80], i + 80
        self.wrapped_clinical = raw[i + 1:i + 73] if raw[i] == 1 else None

    def encode(self):
        login = self.login.encode()
        b = bytes([self.version, self.role, self.must_change, len(login)]) + login.ljust(32, b"\0")
        b += bytes([ARGON2ID13]) + struct.pack("<QQ", self.ops, self.mem)
        b += self.salt + self.pk + self.wrapped_secret + self.sealed_data_key
        b += (b"\1" + self.wrapped_clinical) if self.wrapped_clinical else b"\0" * 73
        return b.ljust(SLOT_SIZE, b"\0")

    def bound_fields(self, vault_id):
        """The associated data of the wrapped secret key."""
        login = self.login.encode()
        prefix = b"cabinet-slot-v2" if self.version == 2 else b"cabinet-slot-v1"
        return (prefix + vault_id + bytes([self.role, self.must_change, len(login)]) + login
                + le64(ARGON2ID13) + le64(self.ops) + le64(self.mem) + self.salt + self.pk)


class Envelope:
    """The newest intact copy of the envelope, kept as raw bytes so that any
    field this tool does not touch (format 2's database state) is written
    back unchanged."""

    def __init__(self, raw):
        self.raw = bytearray(raw)
        self.version, self.page_size = struct.unpack_from("<II", raw, 8)
        self.vault_id, self.file_id = bytes(raw[20:36]), bytes(raw[36:52])
        self.generation = struct.unpack_from("<Q", raw, 52)[0]
        count = raw[60]
        self.slots = [Slot(raw[SLOTS_AT + k * SLOT_SIZE:SLOTS_AT + (k + 1) * SLOT_SIZE]) for k in range(count)]

    @property
    def db_state(self):
        return self.raw[DB_STATE_AT] if self.version >= 2 else None

    @property
    def db_pages(self):
        return struct.unpack_from("<Q", self.raw, DB_PAGES_AT)[0] if self.version >= 2 else None

    def slot(self, login):
        return next((s for s in self.slots if s.role != 0 and s.login == login), None)

    def encode(self, header_key):
        b = self.raw
        struct.pack_into("<Q", b, 52, self.generation)
        b[60] = len(self.slots)
        area = b"".join(s.encode() for s in self.slots)
        b[SLOTS_AT:SLOTS_AT + MAX_SLOTS * SLOT_SIZE] = area.ljust(MAX_SLOTS * SLOT_SIZE, b"\0")
        b[MAC_AT:CHECKSUM_AT] = blake2b(bytes(b[:MAC_AT]), header_key)
        b[CHECKSUM_AT:] = blake2b(bytes(b[:CHECKSUM_AT]))
        return bytes(b)


def read_envelope(path):
    with open(path, "rb") as f:
        head = f.read(HEADER)
    if len(head) < HEADER:
        raise SystemExit("not a vault: shorter than the envelope")
    best = None
    for k in range(2):
        copy = head[k * COPY:(k + 1) * COPY]
        if copy[:8] != MAGIC or blake2b(copy[:CHECKSUM_AT]) != copy[CHECKSUM_AT:]:
            continue
        env = Envelope(copy)
        if best is None or env.generation > best.generation:
            best = env
    if best is None:
        raise SystemExit("no intact envelope copy")
    if best.version not in (1, 2):
        raise SystemExit("unknown format %d" % best.version)
    return best


def write_envelope(path, env, data_key, bump=False):
    """Both copies, MAC'd with the header key (sub-key 2). The generation is
    kept unless `bump`: both copies are identical, so the newest-copy rule
    needs no increment, and an unchanged generation leaves nothing for a
    comparison with a generation recorded elsewhere to notice."""
    if bump:
        env.generation += 1
    copy = env.encode(kdf(data_key, 2, "CabVault"))
    with open(path, "r+b") as f:
        f.write(copy + copy)
        f.flush()
        os.fsync(f.fileno())


# ---------------------------------------------------------------- slots

def clinical_wrap(clinical_key, sk, login, vault_id):
    key = blake2b(b"cabinet-clinical-wrap-v1", sk)
    return aead_seal(clinical_key, key, b"cabinet-clinical-v1" + vault_id + login.encode())


def open_slot(env, login, passphrase):
    """(slot, sk, data key, clinical key or None); SystemExit on a wrong passphrase."""
    slot = env.slot(login) if login != "recovery" else next((s for s in env.slots if s.role == 0), None)
    if slot is None:
        raise SystemExit("no slot for %s" % login)
    kek = argon2id(passphrase.encode(), slot.salt, slot.ops, slot.mem)
    sk = aead_open(slot.wrapped_secret, kek, slot.bound_fields(env.vault_id))
    if sk is None:
        raise SystemExit("wrong passphrase for %s" % login)
    data_key = box_seal_open(slot.sealed_data_key, slot.pk, sk)
    clinical = None
    if slot.wrapped_clinical:
        clinical = aead_open(slot.wrapped_clinical, blake2b(b"cabinet-clinical-wrap-v1", sk),
                             b"cabinet-clinical-v1" + env.vault_id + slot.login.encode())
    return slot, sk, data_key, clinical


def make_slot(env, role, login, passphrase, ops, mem, data_key, clinical_key=None, must_change=False):
    """A new slot of the envelope's own slot version: a fresh X25519 pair, its
    secret wrapped under the passphrase, the data key sealed to it."""
    pk, sk = box_keypair()
    s = Slot(bytes(SLOT_SIZE))
    s.version, s.role, s.must_change, s.login = (2 if env.version >= 2 else 1), role, int(must_change), login
    s.ops, s.mem, s.salt, s.pk = ops, mem, random_bytes(16), pk
    kek = argon2id(passphrase.encode(), s.salt, ops, mem)
    s.wrapped_secret = aead_seal(sk, kek, s.bound_fields(env.vault_id))
    s.sealed_data_key = box_seal(data_key, pk)
    s.wrapped_clinical = clinical_wrap(clinical_key, sk, login, env.vault_id) if clinical_key else None
    return s, sk


# ---------------------------------------------------------------- pages

def page_ad(file_id, pgno):
    return file_id + le64(pgno)


def open_page(raw, key, file_id, pgno):
    out = ctypes.create_string_buffer(PAYLOAD)
    nonce, tag = raw[PAYLOAD:PAYLOAD + 24], raw[PAYLOAD + 24:PAGE]
    ad = page_ad(file_id, pgno)
    if _aead_dec_d(out, None, raw[:PAYLOAD], PAYLOAD, tag, ad, len(ad), nonce, key) != 0:
        return None
    return out.raw + b"\0" * RESERVE


def seal_page(plain, key, file_id, pgno):
    out, tag = ctypes.create_string_buffer(PAYLOAD), ctypes.create_string_buffer(16)
    nonce, ad = random_bytes(24), page_ad(file_id, pgno)
    _aead_enc_d(out, tag, None, plain[:PAYLOAD], PAYLOAD, ad, len(ad), None, nonce, key)
    return out.raw + nonce + tag.raw


def require_folded(path):
    wal = path + "-wal"
    if os.path.exists(wal) and os.path.getsize(wal) > 0:
        raise SystemExit("the WAL is not empty: lock the vault first")


def decrypt_db(path, env, data_key, out_path):
    """Every page opened into a plain SQLite file (4096-byte pages, 40 reserved)."""
    require_folded(path)
    key = kdf(data_key, 1, "CabVault")
    with open(path, "rb") as f, open(out_path, "wb") as out:
        f.seek(HEADER)
        pgno = 1
        while True:
            raw = f.read(PAGE)
            if not raw:
                break
            plain = open_page(raw, key, env.file_id, pgno) if len(raw) == PAGE else None
            if plain is None:
                raise SystemExit("page %d does not open" % pgno)
            out.write(plain)
            pgno += 1
    return pgno - 1


def seal_db(plain_path, path, env, data_key):
    """Re-seals every page (fresh nonces, same file id) after the envelope."""
    key = kdf(data_key, 1, "CabVault")
    with open(plain_path, "rb") as f:
        plain = f.read()
    assert len(plain) % PAGE == 0
    sealed = b"".join(seal_page(plain[i:i + PAGE], key, env.file_id, i // PAGE + 1)
                      for i in range(0, len(plain), PAGE))
    with open(path, "r+b") as f:
        f.seek(HEADER)
        f.write(sealed)
        f.truncate(HEADER + len(sealed))
        f.flush()
        os.fsync(f.fileno())


class PlainCopy:
    """`with PlainCopy(path, env, data_key) as db:` edits a decrypted copy
    with SQL in one transaction, then seals it back into the vault."""

    def __init__(self, path, env, data_key, attach=None):
        self.path, self.env, self.data_key = path, env, data_key
        self.attach = attach or {}          # schema name -> plain file, attached read-side

    def __enter__(self):
        self.dir = tempfile.mkdtemp(prefix="adversary-")
        self.plain = os.path.join(self.dir, "plain.db")
        decrypt_db(self.path, self.env, self.data_key, self.plain)
        self.db = sqlite3.connect(self.plain, isolation_level=None)
        for name, other in self.attach.items():
            self.db.execute("ATTACH DATABASE ? AS %s" % name, (other,))
        self.db.execute("BEGIN")
        return self.db

    def __exit__(self, kind, value, tb):
        try:
            if kind is None:
                self.db.execute("COMMIT")
            self.db.close()             # folds the plain copy's WAL back
            if kind is None:
                seal_db(self.plain, self.path, self.env, self.data_key)
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)


class TriggersOff:
    """Drops a table's triggers (the append-only guards) and puts them back."""

    def __init__(self, db, table):
        self.db, self.table = db, table

    def __enter__(self):
        self.saved = self.db.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ?", (self.table,)).fetchall()
        for name, _ in self.saved:
            self.db.execute('DROP TRIGGER "%s"' % name)

    def __exit__(self, *exc):
        for _, sql in self.saved:
            self.db.execute(sql)


def columns(db, table):
    return [r[1] for r in db.execute('PRAGMA table_info("%s")' % table)]


# ---------------------------------------------------------------- format 2

def clinical_subkey(clinical_key, n):
    """1 roster MAC, 2 clinical row MAC, 3 checkpoint MAC, 4 check value."""
    return kdf(clinical_key, n, "CabClini")


def roster_mac(clinical_key, vault_id, body):
    return blake2b(b"cabinet-roster-v1" + vault_id + body, clinical_subkey(clinical_key, 1))


def own_sign_seed(sk):
    return blake2b(b"cabinet-own-sign-v1", sk)


# ---------------------------------------------------------------- audit chain

def _field(s):
    if s is None:
        return b"\0"
    b = s.encode()
    return b"\1" + struct.pack("<I", len(b)) + b


def audit_mac(key, prev, seq, at, actor, action, obj, detail):
    msg = (b"cabinet-audit-v1" + prev + struct.pack("<q", seq) + _field(at) + _field(actor) + _field(action)
           + _field(obj) + _field(detail))
    return blake2b(msg, key)


def audit_head(key, seq, last):
    return "%d:%s" % (seq, blake2b(b"cabinet-audit-head-v1" + struct.pack("<q", seq) + last, key).hex())


def rechain(db, own_login=None, own_sk=None):
    """Recomputes every entry's MAC from the anchor and the head; in format 2
    re-signs the entries the tool's holder signed herself (nobody else's)."""
    key = bytes.fromhex(db.execute("SELECT value FROM cabinet_meta WHERE key = 'audit_key'").fetchone()[0])
    first, prev = db.execute("SELECT first_seq, prev_mac FROM audit_anchor WHERE id = 1").fetchone()
    prev, seq = bytes(prev), first
    signed = "sig" in columns(db, "audit")
    rows = db.execute("SELECT seq, at, actor, action, object, detail%s FROM audit ORDER BY seq"
                      % (", signer" if signed else "")).fetchall()
    for row in rows:
        assert row[0] == seq, "the trail must be renumbered first"
        mac = audit_mac(key, prev, seq, *row[1:6])
        db.execute("UPDATE audit SET mac = ? WHERE seq = ?", (mac, seq))
        if signed and own_sk is not None and row[6] == own_login:
            sig = sign_detached(b"cabinet-audit-sig-v1" + mac, own_sign_seed(own_sk))
            db.execute("UPDATE audit SET sig = ? WHERE seq = ?", (sig, seq))
        prev, seq = mac, seq + 1
    db.execute("INSERT OR REPLACE INTO cabinet_meta(key, value) VALUES ('audit_head', ?)",
               (audit_head(key, seq - 1, prev),))
    return len(rows)


# ---------------------------------------------------------------- attacks

def cmd_can_open(a):
    """Passphrase → slot → data key → page 1: exit 0 when page 1 opens."""
    env = read_envelope(a.vault)
    try:
        _, _, data_key, _ = open_slot(env, a.login, a.passphrase)
    except SystemExit as e:
        print(json.dumps({"open": False, "why": str(e)}))
        return 1
    with open(a.vault, "rb") as f:
        f.seek(HEADER)
        page1 = f.read(PAGE)
    ok = data_key is not None and len(page1) == PAGE and \
        open_page(page1, kdf(data_key, 1, "CabVault"), env.file_id, 1) is not None
    print(json.dumps({"open": ok, "format": env.version}))
    return 0 if ok else 1


def cmd_promote(a):
    """Her slot rewrapped as a doctor's, holding a clinical key X of her own."""
    env = read_envelope(a.vault)
    slot, sk, data_key, _ = open_slot(env, a.login, a.passphrase)
    x = random_bytes(32)
    slot.role = ROLE_IDS["doctor"]
    kek = argon2id(a.passphrase.encode(), slot.salt, slot.ops, slot.mem)
    slot.wrapped_secret = aead_seal(sk, kek, slot.bound_fields(env.vault_id))
    slot.wrapped_clinical = clinical_wrap(x, sk, slot.login, env.vault_id)
    if a.forge_roster:
        with PlainCopy(a.vault, env, data_key) as db:
            db.execute("UPDATE account SET role = 'doctor' WHERE login = ?", (a.login,))
            if env.version >= 2:
                row = db.execute("SELECT body FROM roster WHERE id = 1").fetchone()
                if row is None:
                    raise SystemExit("format 2 vault without a roster")
                body = json.loads(bytes(row[0]))
                body["check"] = clinical_subkey(x, 4).hex()
                for acc in body["accounts"]:
                    if acc["login"] == a.login:
                        acc["role"] = "doctor"
                raw = json.dumps(body, separators=(",", ":")).encode()
                db.execute("UPDATE roster SET body = ?, mac = ? WHERE id = 1",
                           (raw, roster_mac(x, env.vault_id, raw)))
    write_envelope(a.vault, env, data_key)
    print(json.dumps({"clinical_key": x.hex(), "format": env.version}))
    return 0


def cmd_hidden_slot(a):
    """A slot for a login of hers, in the envelope only (no account, no roster)."""
    env = read_envelope(a.vault)
    mine, _, data_key, _ = open_slot(env, a.login, a.passphrase)
    if len(env.slots) >= MAX_SLOTS:
        raise SystemExit("no free slot")
    slot, _ = make_slot(env, ROLE_IDS[a.role], a.new_login, a.new_passphrase, mine.ops, mine.mem, data_key)
    env.slots.append(slot)
    write_envelope(a.vault, env, data_key)
    print(json.dumps({"slot": a.new_login, "format": env.version}))
    return 0


def cmd_move_entry(a):
    """Edits a clinical row's clear columns (its sealed fields and MAC kept),
    or moves another row in as a 'correction' that hides the entry."""
    env = read_envelope(a.vault)
    _, _, data_key, _ = open_slot(env, a.login, a.passphrase)
    with PlainCopy(a.vault, env, data_key) as db, TriggersOff(db, "clinical_entry"):
        cols = columns(db, "clinical_entry")
        if db.execute("SELECT 1 FROM clinical_entry WHERE id = ?", (a.entry,)).fetchone() is None:
            raise SystemExit("no entry %d" % a.entry)
        result = a.entry
        if a.patient is not None:
            db.execute("UPDATE clinical_entry SET patient_id = ? WHERE id = ?", (a.patient, a.entry))
        if a.occurred_on is not None:
            db.execute("UPDATE clinical_entry SET occurred_on = ? WHERE id = ?", (a.occurred_on, a.entry))
        if a.author is not None:
            db.execute("UPDATE clinical_entry SET author = ? WHERE id = ?", (a.author, a.entry))
        if a.supersede is not None:
            # Entry `a.entry` (sealed blob, uid, MAC) becomes a correction of
            # `a.supersede`, on that entry's patient: the real one is hidden.
            # The uid is unique, so the row is moved, not duplicated.
            target = db.execute("SELECT patient_id, kind FROM clinical_entry WHERE id = ?", (a.supersede,)).fetchone()
            if target is None:
                raise SystemExit("no entry %d" % a.supersede)
            row = dict(zip(cols, db.execute("SELECT * FROM clinical_entry WHERE id = ?", (a.entry,)).fetchone()))
            if row["kind"] != target[1]:
                raise SystemExit("a correction must be of the same kind")
            db.execute("DELETE FROM clinical_entry WHERE id = ?", (a.entry,))
            row.update(id=db.execute("SELECT max(id) + 1 FROM clinical_entry").fetchone()[0],
                       patient_id=target[0], supersedes=a.supersede)
            names = list(row)
            db.execute("INSERT INTO clinical_entry(%s) VALUES (%s)" % (", ".join(names), ", ".join("?" * len(names))),
                       [row[n] for n in names])
            result = row["id"]
    print(json.dumps({"entry": result, "format": env.version}))
    return 0


def cmd_truncate(a):
    """The database cut off behind the envelope (no key needed); with
    --forge-envelope (format 2) the envelope then says there is none."""
    require_folded(a.vault)
    env = read_envelope(a.vault)
    with open(a.vault, "r+b") as f:
        f.truncate(HEADER)
    if a.forge_envelope:
        _, _, data_key, _ = open_slot(env, a.login, a.passphrase)
        if env.version >= 2:
            env.raw[DB_STATE_AT] = 0
            struct.pack_into("<Q", env.raw, DB_PAGES_AT, 0)
        write_envelope(a.vault, env, data_key)
    print(json.dumps({"size": os.path.getsize(a.vault), "format": env.version}))
    return 0


def cmd_rewrite_trail(a):
    """Deletes the matching entries, renumbers the rest, recomputes the chain
    and the head with the chain key; re-signs only her own entries."""
    env = read_envelope(a.vault)
    _, sk, data_key, _ = open_slot(env, a.login, a.passphrase)
    where, args = [], []
    if a.actor:
        where.append("actor = ?"), args.append(a.actor)
    if a.object:
        where.append("object = ?"), args.append(a.object)
    if a.seqs:
        seqs = [int(s) for s in a.seqs.split(",")]
        where.append("seq IN (%s)" % ",".join("?" * len(seqs))), args.extend(seqs)
    if not where:
        raise SystemExit("say which entries: --actor, --object or --seqs")
    with PlainCopy(a.vault, env, data_key) as db, TriggersOff(db, "audit"):
        doomed = [r[0] for r in db.execute("SELECT seq FROM audit WHERE %s ORDER BY seq" % " AND ".join(where), args)]
        if not doomed:
            raise SystemExit("no entry matches")
        db.execute("DELETE FROM audit WHERE seq IN (%s)" % ",".join("?" * len(doomed)), doomed)
        first = db.execute("SELECT first_seq FROM audit_anchor WHERE id = 1").fetchone()[0]
        for new, (old,) in enumerate(db.execute("SELECT seq FROM audit ORDER BY seq").fetchall(), start=first):
            if new != old:
                db.execute("UPDATE audit SET seq = ? WHERE seq = ?", (new, old))
        kept = rechain(db, a.login, sk)
    print(json.dumps({"deleted": doomed, "kept": kept, "format": env.version}))
    return 0


def cmd_rollback_trail(a):
    """Puts back the trail (audit rows, anchor, head) of an older copy of the
    same vault, everything else left as it is now."""
    env = read_envelope(a.vault)
    _, _, data_key, _ = open_slot(env, a.login, a.passphrase)
    old_env = read_envelope(a.old)
    if old_env.file_id != env.file_id:
        raise SystemExit("the old copy is another file (re-keyed since)")
    tmp = tempfile.mkdtemp(prefix="adversary-old-")
    try:
        old_plain = os.path.join(tmp, "old.db")
        decrypt_db(a.old, old_env, data_key, old_plain)
        with PlainCopy(a.vault, env, data_key, attach={"old": old_plain}) as db, TriggersOff(db, "audit"):
            cols = ", ".join(columns(db, "audit"))
            db.execute("DELETE FROM main.audit")
            db.execute("INSERT INTO main.audit(%s) SELECT %s FROM old.audit" % (cols, cols))
            db.execute("DELETE FROM main.audit_anchor")
            db.execute("INSERT INTO main.audit_anchor SELECT * FROM old.audit_anchor")
            db.execute("UPDATE main.cabinet_meta SET value = (SELECT value FROM old.cabinet_meta WHERE key = 'audit_head') "
                       "WHERE key = 'audit_head'")
            n = db.execute("SELECT count(*) FROM main.audit").fetchone()[0]
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(json.dumps({"entries": n, "format": env.version}))
    return 0


def cmd_drop_totp(a):
    """Switches off another account's second factor (its sealed secret removed)."""
    env = read_envelope(a.vault)
    _, _, data_key, _ = open_slot(env, a.login, a.passphrase)
    with PlainCopy(a.vault, env, data_key) as db:
        n = db.execute("UPDATE account SET totp_sealed = NULL, totp_pending = NULL, totp_last_step = NULL "
                       "WHERE login = ?", (a.target,)).rowcount
    if n != 1:
        raise SystemExit("no account %s" % a.target)
    print(json.dumps({"target": a.target, "format": env.version}))
    return 0


def cmd_show(a):
    """What the envelope says: format, generation, database state, slots."""
    env = read_envelope(a.vault)
    out = {"format": env.version, "generation": env.generation, "db_state": env.db_state, "db_pages": env.db_pages,
           "slots": [{"login": s.login, "role": ROLES.get(s.role, s.role), "version": s.version,
                      "clinical": s.wrapped_clinical is not None} for s in env.slots]}
    print(json.dumps(out))
    return 0


# ---------------------------------------------------------------- red team

def cmd_sql(a):
    """Runs SQL statements on the decrypted database (the triggers of the
    tables named by --triggers-off dropped meanwhile), then re-seals it."""
    env = read_envelope(a.vault)
    _, _, data_key, _ = open_slot(env, a.login, a.passphrase)
    changes = []
    with PlainCopy(a.vault, env, data_key) as db:
        guards = [TriggersOff(db, t) for t in (a.triggers_off or "").split(",") if t]
        for g in guards:
            g.__enter__()
        for stmt in a.exec:
            changes.append(db.execute(stmt).rowcount)
        for g in reversed(guards):
            g.__exit__(None, None, None)
    print(json.dumps({"changes": changes, "format": env.version}))
    return 0


def cmd_set_format(a):
    """Rewrites the envelope's format version (re-MAC'd with the data key)."""
    env = read_envelope(a.vault)
    _, _, data_key, _ = open_slot(env, a.login, a.passphrase)
    struct.pack_into("<I", env.raw, 8, a.version)
    write_envelope(a.vault, env, data_key)
    print(json.dumps({"format": a.version}))
    return 0


def cmd_plant_sign_key(a):
    """Publishes a signing key of hers as another account's first-use key
    (table sign_key_pending); prints its seed."""
    env = read_envelope(a.vault)
    _, _, data_key, _ = open_slot(env, a.login, a.passphrase)
    seed = random_bytes(32)
    with PlainCopy(a.vault, env, data_key) as db:
        db.execute("INSERT OR REPLACE INTO sign_key_pending(login, key) VALUES (?, ?)", (a.target, sign_public(seed)))
    print(json.dumps({"target": a.target, "seed": seed.hex(), "format": env.version}))
    return 0


def cmd_forge_entry(a):
    """Appends one trail entry with any actor, chained with the chain key
    and signed with her own signing key (signer = her login), or with
    --seed HEX as --signer."""
    import datetime
    env = read_envelope(a.vault)
    _, sk, data_key, _ = open_slot(env, a.login, a.passphrase)
    seed = bytes.fromhex(a.seed) if a.seed else own_sign_seed(sk)
    signer = a.signer or a.login
    with PlainCopy(a.vault, env, data_key) as db:
        key = bytes.fromhex(db.execute("SELECT value FROM cabinet_meta WHERE key = 'audit_key'").fetchone()[0])
        last = db.execute("SELECT seq, mac FROM audit ORDER BY seq DESC LIMIT 1").fetchone()
        seq, prev = last[0] + 1, bytes(last[1])
        at = a.at or datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:23] + "Z"
        mac = audit_mac(key, prev, seq, at, a.actor, a.action, a.object, a.detail)
        sig = sign_detached(b"cabinet-audit-sig-v1" + mac, seed)
        db.execute("INSERT INTO audit(seq, at, actor, action, object, detail, mac, signer, sig) "
                   "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", (seq, at, a.actor, a.action, a.object, a.detail, mac, signer, sig))
        db.execute("INSERT OR REPLACE INTO cabinet_meta(key, value) VALUES ('audit_head', ?)", (audit_head(key, seq, mac),))
    print(json.dumps({"seq": seq, "actor": a.actor, "signer": signer, "format": env.version}))
    return 0


def cmd_put_back(a):
    """Puts back rows of an older copy of the same file (tables given by
    --tables; cabinet_meta keys by --meta), and with --slot LOGIN that
    login's slot from the older copy's envelope."""
    env = read_envelope(a.vault)
    old_env = read_envelope(a.old)
    if old_env.file_id != env.file_id:
        raise SystemExit("the old copy is another file (re-keyed since)")
    # Her slot may be gone from the current envelope (revoked without a
    # re-key): the older envelope's slot still yields the same data key.
    _, _, data_key, _ = open_slot(env if env.slot(a.login) else old_env, a.login, a.passphrase)
    tmp = tempfile.mkdtemp(prefix="adversary-old-")
    try:
        old_plain = os.path.join(tmp, "old.db")
        decrypt_db(a.old, old_env, data_key, old_plain)
        with PlainCopy(a.vault, env, data_key, attach={"old": old_plain}) as db:
            for t in (a.tables or "").split(","):
                if not t:
                    continue
                with TriggersOff(db, t):
                    cols = ", ".join(columns(db, t))
                    db.execute("DELETE FROM main.%s" % t)
                    db.execute("INSERT INTO main.%s(%s) SELECT %s FROM old.%s" % (t, cols, cols, t))
            for k in (a.meta or "").split(","):
                if k:
                    db.execute("DELETE FROM main.cabinet_meta WHERE key = ?", (k,))
                    db.execute("INSERT INTO main.cabinet_meta(key, value) SELECT key, value FROM old.cabinet_meta "
                               "WHERE key = ?", (k,))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if a.slot:
        old_slot = old_env.slot(a.slot)
        if old_slot is None:
            raise SystemExit("no slot %s in the old copy" % a.slot)
        env.slots = [s for s in env.slots if not (s.role != 0 and s.login == a.slot)] + [old_slot]
        write_envelope(a.vault, env, data_key)
    print(json.dumps({"tables": a.tables, "meta": a.meta, "slot": a.slot, "format": env.version}))
    return 0


def main(argv=None):
    p = argparse.ArgumentParser(description="The insider's tool (Cabinet vault formats 1 and 2).")
    sub = p.add_subparsers(dest="command", required=True)

    def command(name, fn, keyed=True):
        c = sub.add_parser(name, help=" ".join(fn.__doc__.split()).split(". ")[0])
        c.add_argument("vault")
        if keyed:
            c.add_argument("--login", default="sec")
            c.add_argument("--passphrase", required=True)
        c.set_defaults(run=fn)
        return c

    command("can-open", cmd_can_open)
    c = command("promote", cmd_promote)
    c.add_argument("--forge-roster", action="store_true",
                   help="also her account row and (format 2) the roster, re-MAC'd under her clinical key")
    c = command("hidden-slot", cmd_hidden_slot)
    c.add_argument("--new-login", required=True)
    c.add_argument("--new-passphrase", required=True)
    c.add_argument("--role", default="secretary", choices=["doctor", "replacement", "secretary"])
    c = command("move-entry", cmd_move_entry)
    c.add_argument("--entry", type=int, required=True)
    c.add_argument("--patient", type=int)
    c.add_argument("--occurred-on")
    c.add_argument("--author")
    c.add_argument("--supersede", type=int, help="make --entry a correction of this entry")
    c = command("truncate", cmd_truncate, keyed=False)
    c.add_argument("--forge-envelope", action="store_true", help="then rewrite the envelope (needs --passphrase)")
    c.add_argument("--login", default="sec")
    c.add_argument("--passphrase")
    c = command("rewrite-trail", cmd_rewrite_trail)
    c.add_argument("--actor")
    c.add_argument("--object")
    c.add_argument("--seqs", help="comma-separated")
    c = command("rollback-trail", cmd_rollback_trail)
    c.add_argument("--old", required=True, help="an older copy of the vault file")
    c = command("drop-totp", cmd_drop_totp)
    c.add_argument("--target", default="doc")
    command("show", cmd_show, keyed=False)
    c = command("sql", cmd_sql)
    c.add_argument("--exec", action="append", required=True, help="one SQL statement (repeatable)")
    c.add_argument("--triggers-off", help="comma-separated tables whose triggers are dropped meanwhile")
    c = command("set-format", cmd_set_format)
    c.add_argument("--version", type=int, required=True)
    c = command("plant-sign-key", cmd_plant_sign_key)
    c.add_argument("--target", required=True)
    c = command("forge-entry", cmd_forge_entry)
    c.add_argument("--actor", required=True)
    c.add_argument("--action", required=True)
    c.add_argument("--object")
    c.add_argument("--detail")
    c.add_argument("--at")
    c.add_argument("--signer")
    c.add_argument("--seed")
    c = command("put-back", cmd_put_back)
    c.add_argument("--old", required=True, help="an older copy of the vault file")
    c.add_argument("--tables", help="comma-separated tables put back whole")
    c.add_argument("--meta", help="comma-separated cabinet_meta keys put back")
    c.add_argument("--slot", help="that login's slot put back from the older envelope")

    a = p.parse_args(argv)
    try:
        return a.run(a)
    except SystemExit as e:
        if isinstance(e.code, int):
            return e.code
        print("adversary: %s" % e, file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
