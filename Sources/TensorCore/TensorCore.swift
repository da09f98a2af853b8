/// The `TensorCore` module. (Being built: see the module's issue.)
public enum TensorCoreModule { public static let name = "TensorCore" }
