import Foundation

/// Something sealed that did not authenticate, or a record that someone
/// holding the data key altered outside Cabinet. Always exit 3.
public enum IntegrityError: Error, Equatable, Sendable {
    case envelopeDamaged
    case envelopeAltered
    case damaged(DamagedRegion)
    case integrityCheckFailed(count: Int)
    case tampered(TamperFinding)
    case auditChainBroken(seq: Int64)

    public func message(_ c: Catalog = .current) -> String {
        switch self {
        case .envelopeDamaged: return c.text("error.envelope_damaged")
        case .envelopeAltered: return c.text("error.envelope_altered")
        case .damaged(let region):
            switch region {
            case .page(let n): return c.text("error.page_altered", ["page": String(n)])
            case .journalPage(let n): return c.text("error.journal_altered", ["page": String(n)])
            case .walFrame(let n): return c.text("error.wal_altered", ["frame": String(n)])
            case .envelope: return c.text("error.envelope_altered")
            }
        case .integrityCheckFailed(let count):
            return c.text("error.integrity_check", ["count": String(count)])
        case .auditChainBroken(let seq): return c.text("error.audit_broken", ["seq": String(seq)])
        case .tampered(let finding):
            switch finding {
            case .roster: return c.text("error.tamper.roster")
            case .unlistedSlot(let login): return c.text("error.tamper.unlisted_slot", ["login": login])
            case .clinicalEntry(let id): return c.text("error.tamper.clinical_entry", ["id": String(id)])
            case .clinicalField(let id, let field):
                return c.text("error.tamper.clinical_field", ["id": String(id), "field": c.text(field)])
            case .truncated: return c.text("error.tamper.truncated")
            case .secondFactorRemoved(let login): return c.text("error.tamper.totp_removed", ["login": login])
            case .checkpoint(let seq): return c.text("error.tamper.checkpoint", ["seq": String(seq)])
            case .signature(let seq): return c.text("error.tamper.signature", ["seq": String(seq)])
            case .rosterMissing: return c.text("error.tamper.roster_missing")
            case .settings: return c.text("error.tamper.settings")
            }
        }
    }
}
