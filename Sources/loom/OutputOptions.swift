import ArgumentParser

/// Where executed notebooks go and how their figures are written; shared by `loom run` and
/// `loom preview`, which write the same executed notebooks.
struct OutputOptions: ParsableArguments {
    @Flag(help: "Write figures as PNG files beside the executed notebook instead of embedding them.")
    var assets = false

    @Option(help: ArgumentHelp("Where executed notebooks go.", valueName: "dir"))
    var out = "outputs"

    @Option(help: ArgumentHelp("Pixels per point of the figures: 1, or 2 for crisp screens (shown at the 1× size; cached apart from 1× runs).",
                               valueName: "1|2"))
    var scale: Double = 1

    func validate() throws {
        if ![1.0, 2.0].contains(scale) { throw ValidationError("'--scale' must be 1 or 2, not \(scale).") }
    }
}
