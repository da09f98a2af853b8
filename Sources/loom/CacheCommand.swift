import ArgumentParser
import Engine
import Foundation

extension Loom {
    /// `loom cache stats|prune|clear`
    struct CacheCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "cache",
            abstract: "Inspects or trims the cache.",
            subcommands: [Stats.self, Prune.self, Clear.self])

        struct Stats: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Shows what the cache holds and its size.")
            @OptionGroup var cache: CacheOptions

            func run() throws {
                let stats = try cache.open().statistics()
                print("\(cache.path): \(bytes(stats.fileBytes)) on disk")
                print("\(stats.cells) cells, \(stats.results) results (\(bytes(stats.resultBytes))), "
                      + "outputs \(bytes(stats.outputBytes)), \(stats.checkpoints) training checkpoints")
                var table = Table(columns: ["action", "cells", "size"])
                for row in stats.byAction { table.append([row.action, String(row.cells), bytes(row.bytes)]) }
                if !stats.byAction.isEmpty { print(TextTable.render(table)) }
            }
        }

        struct Prune: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Removes cells that no notebook's latest run used, then compacts the file.")
            @Option(help: ArgumentHelp("Also remove cells unused for this many days.", valueName: "days"))
            var olderThan: Double?
            @Option(help: ArgumentHelp("Also keep only the newest N recorded runs of each notebook.", valueName: "n"))
            var keepRuns: Int?
            @OptionGroup var cache: CacheOptions

            func validate() throws {
                if let keepRuns, keepRuns < 0 { throw ValidationError("'--keep-runs' must be 0 or more, not \(keepRuns).") }
            }

            func run() throws {
                let database = try cache.open()
                let before = try database.statistics().fileBytes
                let removed: Int
                do {
                    removed = try database.prune(olderThan: olderThan.map { $0 * 86400 })
                } catch let error as CacheLockError {
                    throw LoomFailure(message: error.description)
                }
                let runs = try database.pruneRuns(keepingNewest: keepRuns ?? Int.max)
                let after = try database.statistics().fileBytes
                print("removed \(removed) cells" + (keepRuns == nil ? "" : " and \(runs) runs") + "; \(bytes(before)) → \(bytes(after))")
            }
        }

        struct Clear: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Deletes the cache (also one that is corrupt); everything will be recomputed.")
            @OptionGroup var cache: CacheOptions

            func run() throws {
                let removed: Bool
                do {
                    removed = try Cache.delete(at: cache.path)
                } catch let error as CacheLockError {
                    throw LoomFailure(message: error.description)
                }
                print(removed ? "deleted \(cache.path)" : "\(cache.path) does not exist")
            }
        }
    }
}

/// `12.3 MB`
func bytes(_ count: Int) -> String {
    let units = ["B", "kB", "MB", "GB"]
    var value = Double(count)
    var unit = 0
    while value >= 1000, unit < units.count - 1 {
        value /= 1000
        unit += 1
    }
    return unit == 0 ? "\(count) B" : String(format: "%.1f %@", value, units[unit])
}
