import CabinetCore
import CabinetResources
import Foundation

/// One figure of `cabinet bench`: what was measured, its median and p99
/// (seconds), a ratio to its reference when there is one, and the target.
struct BenchFigure: Codable {
    let name: String
    /// "s" for durations, "ratio" for side-by-side ratios, "MB", "count".
    let unit: String
    let median: Double
    let p99: Double?
    /// The reference's median when measured side by side (A B A B…).
    let reference: Double?
    let target: String
    /// nil when the target is not a simple bound (information only).
    let met: Bool?
}

/// Wall-clock time, monotonic.
func benchNow() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

func benchMedian(_ xs: [Double]) -> Double {
    let s = xs.sorted()
    guard !s.isEmpty else { return 0 }
    return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
}

/// The 99th percentile (nearest rank).
func benchP99(_ xs: [Double]) -> Double {
    let s = xs.sorted()
    guard !s.isEmpty else { return 0 }
    let rank = Int((0.99 * Double(s.count)).rounded(.up)) - 1
    return s[max(0, min(s.count - 1, rank))]
}

/// The bench's fictitious French content (names, streets, reasons, notes):
/// data, kept in `Resources/demo/bench.fr.json`, not in the code. Loaded
/// once; a missing or damaged file stops the bench with a clear message.
struct BenchText: Decodable, Sendable {
    let doctorName: String
    let lastNames: [String]
    let lastNameSuffix: String
    let firstNames: [String]
    let streets: [String]
    let city: String
    let reasons: [String]
    let patientNotes, consultationNotes, updatedNotes: String
    let storeFirstName, storeAddress, storeNote, storeUpdate: String
    let recordReason, recordExamination, recordConclusion: String

    enum CodingKeys: String, CodingKey {
        case doctorName = "doctor_name", lastNames = "last_names", lastNameSuffix = "last_name_suffix"
        case firstNames = "first_names", streets, city, reasons
        case patientNotes = "patient_notes", consultationNotes = "consultation_notes", updatedNotes = "updated_notes"
        case storeFirstName = "store_first_name", storeAddress = "store_address", storeNote = "store_note"
        case storeUpdate = "store_update", recordReason = "record_reason", recordExamination = "record_examination"
        case recordConclusion = "record_conclusion"
    }

    private static let loaded: BenchText? = {
        guard let url = CabinetResources.demoFile("bench.fr.json"), let data = try? Data(contentsOf: url),
              let text = try? JSONDecoder().decode(BenchText.self, from: data),
              text.lastNames.count >= 10, !text.firstNames.isEmpty, !text.streets.isEmpty, !text.reasons.isEmpty
        else { return nil }
        return text
    }()

    static func require() throws -> BenchText {
        guard let loaded else { throw CabinetError.usage(key: "error.resources_missing") }
        return loaded
    }

    /// `template` with its `{name}` placeholders filled.
    static func fill(_ template: String, _ args: [String: String]) -> String {
        var s = template
        for (k, v) in args { s = s.replacingOccurrences(of: "{" + k + "}", with: v) }
        return s
    }
}

/// A line of /proc/self/status in MB (VmRSS: now, VmHWM: the peak since
/// the last reset through /proc/self/clear_refs).
private func benchStatusMB(_ key: String) -> Double {
    let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
    let line = status.split(separator: "\n").first { $0.hasPrefix(key + ":") } ?? ""
    let kb = Double(line.split(separator: " ").dropFirst().first ?? "0") ?? 0
    return kb / 1024
}

func benchResidentMB() -> Double { benchStatusMB("VmRSS") }
func benchPeakResidentMB() -> Double { benchStatusMB("VmHWM") }
