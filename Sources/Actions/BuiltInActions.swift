import Engine

/// Every action loom ships, in the order `loom actions` lists them.
public enum BuiltInActions {
    public static let all: [Action] = [
        .load,
        .split,
        .edaClasses,
        .edaPixels,
        .edaDimensions,
        .edaSamples,
        .edaHeatmap,
        .edaAnomalies,
        .edaNoise,
        .edaFeatures,
        .edaAugment,
        .edaWordCloud,
        .edaEmbedding,
        .trainCNN,
        .trainMLP,
        .evaluate,
        .predict,
        .compare,
        .sweep,
    ]

    public static let registry = ActionRegistry(all)
}
