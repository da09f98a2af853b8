import Engine
import Foundation
import NeuralNet

/// A trained network: architecture, weights, training history and input scaling, plus what
/// `compare` needs to know about how it was made.
public struct ModelValue: ResultValue {
    public static let kind = ResultKind.model

    public var trained: TrainedModel
    /// The action that trained it (`train.cnn`, `train.mlp`).
    public var family: String
    /// Wall-clock seconds of training (all epochs, including resumed ones).
    public var trainingSeconds: Double
    /// The cache key of the split it was trained on, so evaluation can default to its test part.
    public var splitKey: String?

    public init(trained: TrainedModel, family: String, trainingSeconds: Double, splitKey: String?) {
        self.trained = trained
        self.family = family
        self.trainingSeconds = trainingSeconds
        self.splitKey = splitKey
    }

    public func encode(to writer: inout BlobWriter) {
        writer.write(trained.serializedBytes())
        writer.write(family)
        writer.write(trainingSeconds)
        writer.write(splitKey ?? "")
    }

    public init(from reader: inout BlobReader) throws {
        trained = try TrainedModel(serializedBytes: try reader.readData())
        family = try reader.readString()
        trainingSeconds = try reader.readDouble()
        let key = try reader.readString()
        splitKey = key.isEmpty ? nil : key
    }
}
