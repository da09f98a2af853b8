/// The `Notebook` module. (Being built: see the module's issue.)
public enum NotebookModule { public static let name = "Notebook" }
