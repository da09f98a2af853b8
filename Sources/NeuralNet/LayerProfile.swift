import Dispatch
import Foundation
import TensorCore

/// Wall-clock time per layer and pass, collected when `LOOM_PROFILE=layers` is set.
///
/// Profile before optimising: `LOOM_PROFILE=layers loom-bench --model strong-cnn` prints where a
/// training step spends its time. Off (one flag check per layer call) unless asked for.
public enum LayerProfile {
    /// Whether profiling is on (`LOOM_PROFILE=layers` in the environment).
    public static let isEnabled = ProcessInfo.processInfo.environment["LOOM_PROFILE"] == "layers"

    /// One layer's accumulated time in one pass.
    public struct Entry: Sendable, Hashable {
        /// The layer's position and name, e.g. `3 conv+relu+maxpool`.
        public var layer: String
        /// `forward`, `backward` or `inference`.
        public var pass: String
        public var seconds: Double
        public var calls: Int
    }

    private static let entries = Locked([String: Entry]())

    static func record(layer: String, pass: String, since start: UInt64) {
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        entries.update { entries in
            let key = layer + "\u{1}" + pass
            var entry = entries[key] ?? Entry(layer: layer, pass: pass, seconds: 0, calls: 0)
            entry.seconds += seconds
            entry.calls += 1
            entries[key] = entry
        }
    }

    /// What was collected so far, by layer order then pass.
    public static var snapshot: [Entry] {
        entries.read { Array($0.values) }.sorted {
            let l = Int($0.layer.prefix { $0.isNumber }) ?? 0, r = Int($1.layer.prefix { $0.isNumber }) ?? 0
            return l != r ? l < r : $0.pass < $1.pass
        }
    }

    /// Forgets what was collected.
    public static func reset() { entries.update { $0.removeAll() } }

    /// A table of the snapshot: seconds and share of the total per layer and pass.
    public static func report() -> String {
        let all = snapshot
        let total = all.reduce(0) { $0 + $1.seconds }
        guard total > 0 else { return "no layer timings (set LOOM_PROFILE=layers)" }
        func pad(_ text: String, _ width: Int) -> String { text.padding(toLength: max(width, text.count), withPad: " ", startingAt: 0) }
        var lines = [pad("layer", 30) + " " + pad("pass", 9) + "  seconds   share   calls"]
        for entry in all {
            lines.append(pad(entry.layer, 30) + " " + pad(entry.pass, 9)
                + String(format: " %8.3f  %5.1f%%  %6d", entry.seconds, 100 * entry.seconds / total, entry.calls))
        }
        lines.append(pad("total", 40) + String(format: " %8.3f", total))
        return lines.joined(separator: "\n")
    }
}
