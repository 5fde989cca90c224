#!/usr/bin/env python3
"""Exercises adversary.py's format-2 paths before Cabinet writes format 2.

Builds a synthetic format-2 vault from the format-1 fixture
(Tests/Fixtures/format1), following the format-2 notes: envelope version 2
with the database state, v2 slots for the accounts whose passphrase is
known, the roster MAC'd under the clinical key, `clinical_entry.mac`, and
`audit.signer`/`audit.sig`. Then runs each attack on a copy and checks its
result at the format level. It is only a check of the tool: the synthetic
vault is this script's reading of the notes, not Cabinet's format 2.

    python3 Tests/Adversary/selftest_format2.py     # exit 0 when all pass
"""

import ctypes
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import adversary as A  # noqa: E402

FIXTURE = os.path.join(HERE, "..", "Fixtures", "format1", "format1-vault.bin")
DOC, DOC_PASS = "drmartin", "Lampe-Verte-Ocean-Piano-42"
SEC, SEC_PASS = "accueil", "Velo-Rouge-Nuage-Tasse-17"

_verify = A._proto("crypto_sign_verify_detached", A._u8p, A._u8p, A._ull, A._u8p)
_seed_keypair = A._sign_seed_keypair


def sign_pk(sk):
    pk, ssk = ctypes.create_string_buffer(32), ctypes.create_string_buffer(64)
    _seed_keypair(pk, ssk, A.own_sign_seed(sk))
    return pk.raw


def sig_ok(sig, mac, pk):
    msg = b"cabinet-audit-sig-v1" + mac
    return sig is not None and _verify(bytes(sig), msg, len(msg), pk) == 0


def make_format2(path):
    env = A.read_envelope(path)
    _, doc_sk, data_key, ck = A.open_slot(env, DOC, DOC_PASS)
    _, sec_sk, _, _ = A.open_slot(env, SEC, SEC_PASS)
    for s, sk, pw in ((env.slot(DOC), doc_sk, DOC_PASS), (env.slot(SEC), sec_sk, SEC_PASS)):
        s.version = 2
        s.wrapped_secret = A.aead_seal(sk, A.argon2id(pw.encode(), s.salt, s.ops, s.mem), s.bound_fields(env.vault_id))
    signers = {DOC: doc_sk, SEC: sec_sk}
    with A.PlainCopy(path, env, data_key) as db, A.TriggersOff(db, "clinical_entry"), A.TriggersOff(db, "audit"):
        accounts = [{"login": login, "role": role, "slot": env.slot(login).pk.hex(),
                     "sign": [sign_pk(signers[login]).hex()], "totp": False}
                    for login, role in db.execute("SELECT login, role FROM account ORDER BY login")]
        body = json.dumps({"v": 1, "vault": env.vault_id.hex(), "check": A.clinical_subkey(ck, 4).hex(),
                           "generation": 1, "accounts": accounts}, separators=(",", ":")).encode()
        db.execute("CREATE TABLE roster(id INTEGER PRIMARY KEY CHECK (id = 1), body BLOB NOT NULL, mac BLOB NOT NULL)")
        db.execute("INSERT INTO roster VALUES (1, ?, ?)", (body, A.roster_mac(ck, env.vault_id, body)))
        db.execute("ALTER TABLE clinical_entry ADD COLUMN mac BLOB")
        row_key = A.clinical_subkey(ck, 2)
        for row in db.execute("SELECT * FROM clinical_entry").fetchall():
            mac = A.blake2b(repr(row[:-1]).encode(), row_key)       # any MAC: the insider cannot make one
            db.execute("UPDATE clinical_entry SET mac = ? WHERE id = ?", (mac, row[0]))
        db.execute("ALTER TABLE audit ADD COLUMN signer TEXT")
        db.execute("ALTER TABLE audit ADD COLUMN sig BLOB")
        for seq, actor, mac in db.execute("SELECT seq, actor, mac FROM audit").fetchall():
            if actor in signers:
                sig = A.sign_detached(b"cabinet-audit-sig-v1" + bytes(mac), A.own_sign_seed(signers[actor]))
                db.execute("UPDATE audit SET signer = ?, sig = ? WHERE seq = ?", (actor, sig, seq))
    pages = (os.path.getsize(path) - A.HEADER) // A.PAGE
    struct.pack_into("<I", env.raw, 8, 2)
    env.raw[A.DB_STATE_AT] = 1
    struct.pack_into("<Q", env.raw, A.DB_PAGES_AT, pages)
    A.write_envelope(path, env, data_key)
    return ck


def tool(*args):
    r = subprocess.run([sys.executable, os.path.join(HERE, "adversary.py")] + list(args),
                       capture_output=True, text=True)
    if r.returncode not in (0, 1):
        raise AssertionError("adversary %s: %s" % (args[0], r.stderr))
    return r.returncode, (json.loads(r.stdout.splitlines()[-1]) if r.stdout.strip() else {})


def plain(path, login=SEC, pw=SEC_PASS):
    """A decrypted copy for reading (the caller removes the directory)."""
    env = A.read_envelope(path)
    _, _, data_key, _ = A.open_slot(env, login, pw)
    d = tempfile.mkdtemp(prefix="selftest-")
    A.decrypt_db(path, env, data_key, os.path.join(d, "p.db"))
    import sqlite3
    return d, sqlite3.connect(os.path.join(d, "p.db"))


def main():
    work = tempfile.mkdtemp(prefix="selftest-f2-")
    checks = []

    def check(name, ok):
        checks.append((name, bool(ok)))
        print(("ok   " if ok else "FAIL ") + name)

    try:
        base = os.path.join(work, "base.vault")
        shutil.copy(FIXTURE, base)
        ck = make_format2(base)
        env = A.read_envelope(base)
        check("synthetic vault is format 2, slots v2, db_state 1", env.version == 2 and env.db_state == 1
              and env.slot(SEC).version == 2 and env.db_pages == (os.path.getsize(base) - A.HEADER) // A.PAGE)

        def copy(name):
            p = os.path.join(work, name + ".vault")
            shutil.copy(base, p)
            return p

        # promote --forge-roster
        p = copy("promote")
        _, out = tool("promote", p, "--login", SEC, "--passphrase", SEC_PASS, "--forge-roster")
        x = bytes.fromhex(out["clinical_key"])
        e = A.read_envelope(p)
        s = e.slot(SEC)
        kek = A.argon2id(SEC_PASS.encode(), s.salt, s.ops, s.mem)
        ad = (b"cabinet-slot-v2" + e.vault_id + bytes([1, s.must_change, len(SEC)]) + SEC.encode()
              + struct.pack("<QQQ", 2, s.ops, s.mem) + s.salt + s.pk)
        sk = A.aead_open(s.wrapped_secret, kek, ad)
        check("promote: v2 slot, role doctor, opens under the v2 bound fields", s.version == 2 and s.role == 1 and sk)
        check("promote: her slot yields X", A.open_slot(e, SEC, SEC_PASS)[3] == x)
        check("promote: envelope keeps db_state/db_pages", e.db_state == 1 and e.db_pages == env.db_pages)
        d, db = plain(p)
        body, mac = db.execute("SELECT body, mac FROM roster").fetchone()
        roster = json.loads(bytes(body))
        mine = [a for a in roster["accounts"] if a["login"] == SEC][0]
        check("promote: roster says doctor, check and MAC under X", mine["role"] == "doctor"
              and roster["check"] == A.clinical_subkey(x, 4).hex() and bytes(mac) == A.roster_mac(x, e.vault_id, bytes(body)))
        check("promote: roster MAC no longer valid under the real clinical key",
              bytes(mac) != A.roster_mac(ck, e.vault_id, bytes(body)))
        shutil.rmtree(d)

        # hidden-slot
        p = copy("hidden")
        tool("hidden-slot", p, "--login", SEC, "--passphrase", SEC_PASS, "--new-login", "ghost",
             "--new-passphrase", "Fantome-Cache-Slot-93")
        rc, _ = tool("can-open", p, "--login", "ghost", "--passphrase", "Fantome-Cache-Slot-93")
        e = A.read_envelope(p)
        check("hidden-slot: v2 slot that opens page 1", rc == 0 and e.slot("ghost").version == 2 and e.version == 2)

        # move-entry keeps the row's MAC
        p = copy("move")
        d, db = plain(base)
        eid, mac_before = db.execute("SELECT id, mac FROM clinical_entry ORDER BY id LIMIT 1").fetchone()
        shutil.rmtree(d)
        tool("move-entry", p, "--login", SEC, "--passphrase", SEC_PASS, "--entry", str(eid), "--occurred-on", "2019-05-05")
        d, db = plain(p)
        row = db.execute("SELECT occurred_on, mac FROM clinical_entry WHERE id = ?", (eid,)).fetchone()
        trig = db.execute("SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'clinical_entry'").fetchone()
        check("move-entry: date changed, MAC column kept, trigger restored", row[0] == "2019-05-05"
              and row[1] == mac_before and trig[0] == 1)
        shutil.rmtree(d)

        # rewrite-trail: her entries re-signed, the doctor's signatures broken
        p = copy("rewrite")
        d, db = plain(p)
        first_sec = db.execute("SELECT min(seq) FROM audit WHERE actor = ?", (SEC,)).fetchone()[0]
        shutil.rmtree(d)
        _, out = tool("rewrite-trail", p, "--login", SEC, "--passphrase", SEC_PASS, "--seqs", str(first_sec))
        d, db = plain(p)
        rows = db.execute("SELECT seq, actor, mac, signer, sig FROM audit ORDER BY seq").fetchall()
        pks = {DOC: sign_pk(A.open_slot(A.read_envelope(p), DOC, DOC_PASS)[1]),
               SEC: sign_pk(A.open_slot(A.read_envelope(p), SEC, SEC_PASS)[1])}
        later = [r for r in rows if r[0] >= first_sec and r[3] in pks]
        check("rewrite-trail: consecutive seqs", [r[0] for r in rows] == list(range(rows[0][0], rows[0][0] + len(rows))))
        check("rewrite-trail: her later entries carry valid signatures",
              any(r[3] == SEC for r in later) and all(sig_ok(r[4], bytes(r[2]), pks[SEC]) for r in later if r[3] == SEC))
        check("rewrite-trail: the doctor's later signatures no longer match",
              any(not sig_ok(r[4], bytes(r[2]), pks[DOC]) for r in later if r[3] == DOC))
        shutil.rmtree(d)

        # rollback-trail with the format-2 columns
        p, old = copy("rollback"), copy("rollback-old")
        tool("rewrite-trail", p, "--login", SEC, "--passphrase", SEC_PASS, "--seqs", str(first_sec))
        _, out = tool("rollback-trail", p, "--login", SEC, "--passphrase", SEC_PASS, "--old", old)
        d, db = plain(p)
        d2, db2 = plain(old)
        q = "SELECT * FROM audit ORDER BY seq"
        check("rollback-trail: the old trail back, signatures included", db.execute(q).fetchall() == db2.execute(q).fetchall())
        shutil.rmtree(d), shutil.rmtree(d2)

        # truncate --forge-envelope
        p = copy("truncate")
        tool("truncate", p, "--forge-envelope", "--login", SEC, "--passphrase", SEC_PASS)
        e = A.read_envelope(p)
        check("truncate: envelope only, db_state 0, db_pages 0, MAC valid",
              os.path.getsize(p) == A.HEADER and e.db_state == 0 and e.db_pages == 0
              and bytes(e.raw[A.MAC_AT:A.CHECKSUM_AT]) == A.blake2b(bytes(e.raw[:A.MAC_AT]),
                                                                    A.kdf(A.open_slot(e, SEC, SEC_PASS)[2], 2, "CabVault")))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    failed = [n for n, ok in checks if not ok]
    print("%d checks, %d failed" % (len(checks), len(failed)))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
