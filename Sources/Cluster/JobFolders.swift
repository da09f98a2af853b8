import Foundation

/// The job folders of the shared folder (`jobs/KEY`: the job description, the input bundle, the
/// `sbatch` script, the tasks' logs and the ids submitted from it).
///
/// A job whose results all came home has its folder removed at once. The folder of a job that
/// failed, timed out or was cancelled is kept for diagnosis (its logs are what the cell's error
/// points to), and is pruned at the start of a later Slurm run once none of its jobs is still
/// queued and it is older than ``maximumAge`` (a day), or is not among the ``kept`` (20) newest
/// such folders. A re-run of the same cell reuses its folder (and so keeps it fresh).
struct JobFolders {
    /// `SHARED/jobs`.
    var directory: String
    var maximumAge: TimeInterval = JobFolders.defaultMaximumAge
    var kept: Int = JobFolders.defaultKept

    static let defaultMaximumAge: TimeInterval = 24 * 60 * 60
    static let defaultKept = 20
    /// The file in a job folder that lists the Slurm job ids submitted from it, one a line.
    static let submittedFile = "submitted"

    /// Records that job `id` was submitted from `folder`.
    static func recordSubmission(_ id: String, folder: String) throws {
        let path = (folder as NSString).appendingPathComponent(submittedFile)
        let earlier = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        try TaskFiles.writeAtomically(Data((earlier + id + "\n").utf8), to: path)
    }

    /// A job folder's name (the cell's or sub-result's key), the Slurm jobs submitted from it, and
    /// when anything in it last changed.
    struct Folder: Equatable {
        var name: String
        var jobs: [String]
        var modified: Date
    }

    /// The job folders there are now.
    func folders() -> [Folder] {
        let manager = FileManager.default
        guard let names = try? manager.contentsOfDirectory(atPath: directory) else { return [] }
        return names.sorted().compactMap { name in
            let path = (directory as NSString).appendingPathComponent(name)
            var isDirectory: ObjCBool = false
            guard manager.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else { return nil }
            let submitted = (try? String(contentsOfFile: (path as NSString).appendingPathComponent(Self.submittedFile),
                                         encoding: .utf8)) ?? ""
            return Folder(name: name, jobs: submitted.split(separator: "\n").map(String.init),
                          modified: Self.newestModification(in: path))
        }
    }

    /// The folders to remove: those with no job in `queued` (the ids the queue still has, jobs
    /// without their array part) that are older than ``maximumAge`` at `now` or beyond the ``kept`` newest.
    func prunable(_ folders: [Folder], queued: Set<String>, now: Date = Date()) -> [Folder] {
        let finished = folders.filter { folder in !folder.jobs.contains { queued.contains(SlurmExecutor.jobPart($0)) } }
            .sorted { $0.modified > $1.modified }
        return finished.enumerated().filter { position, folder in
            position >= kept || now.timeIntervalSince(folder.modified) > maximumAge
        }.map(\.element)
    }

    /// Removes what ``prunable(_:queued:now:)`` picks; returns the names of the folders removed.
    @discardableResult
    func prune(queued: Set<String>, now: Date = Date()) -> [String] {
        prunable(folders(), queued: queued, now: now).compactMap { folder in
            let path = (directory as NSString).appendingPathComponent(folder.name)
            return (try? FileManager.default.removeItem(atPath: path)) == nil ? nil : folder.name
        }
    }

    /// The newest modification date of `path` and everything under it.
    static func newestModification(in path: String) -> Date {
        let manager = FileManager.default
        var newest = (try? manager.attributesOfItem(atPath: path))?[.modificationDate] as? Date ?? .distantPast
        for item in manager.subpaths(atPath: path) ?? [] {
            let date = (try? manager.attributesOfItem(atPath: (path as NSString).appendingPathComponent(item)))?[.modificationDate] as? Date
            if let date, date > newest { newest = date }
        }
        return newest
    }
}
