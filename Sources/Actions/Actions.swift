/// The `Actions` module. (Being built: see the module's issue.)
public enum ActionsModule { public static let name = "Actions" }
