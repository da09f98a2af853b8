/// The `Dataset` module. (Being built: see the module's issue.)
public enum DatasetModule { public static let name = "Dataset" }
