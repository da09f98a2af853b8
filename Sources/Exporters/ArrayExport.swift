import Actions
import Dataset
import Foundation

/// A data set's or a split part's images and labels as NumPy arrays.
public enum ArrayExport {
    /// One file to write.
    public struct File: Sendable, Equatable {
        public var name: String
        public var data: Data
    }

    /// `images.npy` (float32 `N×C×H×W`, in the scaling the models see: `pixel · scale + offset`
    /// with the train part's statistics where the data set standardises), `labels.npy` (int64)
    /// and `classes.txt` (one name a line, in label order). For a split without `part`, each part
    /// gets its own pair (`train-images.npy`, `train-labels.npy`, …).
    public static func files(dataset: DatasetValue, split: SplitValue?, part: DatasetSplit.Part?) -> [File] {
        let images = dataset.images
        let trainIndices = split?.split.train ?? (0..<Int32(images.count)).map { $0 }
        let scaling = dataset.scaling(training: trainIndices)
        var parts: [(prefix: String, indices: [Int32])] = []
        if let split {
            let chosen = part.map { [$0] } ?? DatasetSplit.Part.allCases
            parts = chosen.map { (part == nil ? "\($0.rawValue)-" : "", split.split[$0]) }
        } else {
            parts = [("", (0..<Int32(images.count)).map { $0 })]
        }
        var files: [File] = []
        let size = images.pixelsPerImage
        for (prefix, indices) in parts {
            var values = [Float](repeating: 0, count: indices.count * size)
            images.pixels.withUnsafeBufferPointer { pixels in
                for (row, index) in indices.enumerated() {
                    let source = Int(index) * size
                    for j in 0..<size { values[row * size + j] = Float(pixels[source + j]) * scaling.scale + scaling.offset }
                }
            }
            files.append(File(name: prefix + "images.npy", data: NPYWriter.data(
                float32: values, shape: [indices.count, images.channels, images.height, images.width])))
            files.append(File(name: prefix + "labels.npy", data: NPYWriter.data(
                int64: indices.map { Int64(images.labels[Int($0)]) }, shape: [indices.count])))
        }
        files.append(File(name: "classes.txt", data: Data(images.classNames.map { $0 + "\n" }.joined().utf8)))
        return files
    }
}
