/// The `Figures` module. (Being built: see the module's issue.)
public enum FiguresModule { public static let name = "Figures" }
