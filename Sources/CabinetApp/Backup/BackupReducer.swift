import CabinetCore
import Foundation
import TerminalUI

// The backup screen's keys and results: state in, state out, effects.

func enterBackup(_ state: inout AppState) -> [AppEffect] {
    state.backup.editing = nil
    return [.backup(.load)]
}

func handleBackup(_ key: Key, _ state: inout AppState) -> [AppEffect]? {
    if var form = state.backup.editing {
        switch key {
        case .escape:
            state.backup.editing = nil
            state.backup.message = nil
        case .enter:
            let folder = form["folder"].trimmingCharacters(in: .whitespaces)
            guard !folder.isEmpty else {
                form.fail("backup.screen.folder_empty")
                state.backup.editing = form
                return []
            }
            return [.backup(.setDestination(folder))]
        default:
            if case .function = key { return nil }
            _ = form.edit(key)
            state.backup.editing = form
        }
        return []
    }
    guard let cmd = AppCommands.command(for: key, in: .backup) else { return nil }
    switch cmd.id {
    case "backup.select":
        let n = state.backup.records.count
        guard n > 0 else { return [] }
        state.backup.selected = key == .up ? max(0, state.backup.selected - 1) : min(n - 1, state.backup.selected + 1)
    case "backup.run":
        guard let folder = state.backup.destination else {
            openDestination(&state)
            state.backup.editing?.message = "backup.screen.choose_first"
            return []
        }
        state.backup.message = nil
        return [.backup(.run(to: folder))]
    case "backup.verify":
        guard state.backup.records.indices.contains(state.backup.selected) else { return [] }
        let record = state.backup.records[state.backup.selected]
        guard record.state != .failed else {
            state.backup.say("backup.screen.already_failed")
            return []
        }
        state.backup.message = nil
        return [.backup(.verify(path: record.path))]
    case "backup.folder":
        openDestination(&state)
    default:
        return nil
    }
    return []
}

/// Text pasted into the folder being chosen (a path copied from a file
/// manager); elsewhere on this screen a paste does nothing.
func pasteIntoBackup(_ text: String, _ state: inout AppState) {
    guard var form = state.backup.editing else { return }
    form.paste(text)
    state.backup.editing = form
}

private func openDestination(_ state: inout AppState) {
    var form = Form([FormField("folder", label: "backup.screen.folder", maxLength: 400)])
    form["folder"] = state.backup.destination ?? ""
    form.opened = ["folder": form["folder"]]
    state.backup.editing = form
}

func reduceBackupResult(_ result: BackupResult, _ state: inout AppState) -> [AppEffect] {
    switch result {
    case .loaded(let records, let destination, let free):
        state.backup.records = records
        state.backup.destination = destination
        state.backup.free = free
        state.backup.loaded = true
        state.backup.selected = min(state.backup.selected, max(0, records.count - 1))
        return []
    case .done(let record):
        state.backup.selected = 0
        state.backup.say("backup.screen.done", ["date": BackupWords.date(record.createdAt), "file": record.fileName])
        return [.backup(.load)]
    case .destinationSaved(let folder):
        state.backup.editing = nil
        state.backup.destination = folder
        state.backup.say("backup.screen.folder_saved", ["folder": folder])
        return [.backup(.load)]
    case .failed(let error):
        if var form = state.backup.editing {
            form.fail(error)
            state.backup.editing = form
            return []
        }
        state.backup.say(error)
        // A failed check changed the list (the file set aside): show it.
        return [.backup(.load)]
    }
}

/// Dates and ages as the practice reads them.
enum BackupWords {
    /// Made once: the title bar asks on every frame of every screen.
    nonisolated(unsafe) private static let dayAndTime = formatter("dd/MM/yyyy HH:mm")
    nonisolated(unsafe) private static let dayOnly = formatter("dd/MM")

    private static func formatter(_ format: String) -> DateFormatter {
        let f = DateFormatter()
        f.locale = Locale(identifier: "fr_FR")
        f.timeZone = PracticeClock.timeZone
        f.dateFormat = format
        return f
    }

    static func date(_ d: Date) -> String { dayAndTime.string(from: d) }
    static func day(_ d: Date) -> String { dayOnly.string(from: d) }
}
