import Engine
import Testing

/// Messages name a parameter through its declaration (``ParameterSet/name(of:)``), never by a
/// second copy of its name.
@Suite struct FieldNameTests {
    struct Inner: ParameterSet {
        var rate = 0.5
        var seedValue = 0
        static let fields: [Field<Self>] = [
            Field("learning-rate", \.rate, .number(), doc: "The rate."),
            .seed(\.seedValue, doc: "The seed."),
        ]
    }

    struct Outer: ParameterSet {
        var batchSize = 32
        var inner = Inner()
        var layers: [Int]?
        static let fields: [Field<Self>] = [
            Field("batch-size", \.batchSize, .integer(), doc: "The batch."),
            Field("layers", \.layers, summary: "list of widths", doc: "Widths.",
                  parse: { _, _ in [1] }, encode: { $0.map { .list($0.map(Value.int)) } }),
        ] + Inner.lifted(through: \.inner)
    }

    @Test func namesComeFromTheDeclaration() {
        #expect(Outer.name(of: \.batchSize) == "batch-size")
        #expect(Outer.name(of: \.layers) == "layers")
        #expect(Inner.name(of: \.rate) == "learning-rate")
        #expect(Inner.name(of: \.seedValue) == "seed")
    }

    @Test func liftedFieldsKeepTheirNamesThroughTheOuterKeyPath() {
        #expect(Outer.name(of: \.inner.rate) == "learning-rate")
        #expect(Outer.name(of: \.inner.seedValue) == "seed")
    }

    @Test func problemsNameTheirParameterAsDeclared() {
        let problem = NamedProblem(\Outer.batchSize, "too large")
        #expect(problem.parameters == ["batch-size"])
        #expect(problem.message == "too large")
    }
}
