/// The `Engine` module. (Being built: see the module's issue.)
public enum EngineModule { public static let name = "Engine" }
