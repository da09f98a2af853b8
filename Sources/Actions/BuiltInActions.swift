import Engine

/// Every action loom ships, in the order `loom actions` lists them.
public enum BuiltInActions {
    public static let all: [Action] = [
        .load,
        .split,
        .trainCNN,
        .trainMLP,
        .sweep,
    ]

    public static let registry = ActionRegistry(all)
}
