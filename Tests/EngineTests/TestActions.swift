import Engine
import Foundation
import Notebook

/// A tiny result for engine tests: one number.
struct NumberValue: ResultValue {
    static let kind: ResultKind = "number"
    var value: Double
    init(_ value: Double) { self.value = value }
    func encode(to writer: inout BlobWriter) { writer.write(value) }
    init(from reader: inout BlobReader) throws { value = try reader.readDouble() }
}

/// Counts how often each action ran, across threads.
final class RunLog: @unchecked Sendable {
    private let lock = NSLock()
    private var entries: [String] = []
    func record(_ entry: String) { lock.withLock { entries.append(entry) } }
    var all: [String] { lock.withLock { entries } }
    func reset() { lock.withLock { entries = [] } }
}

struct NumberParameters: ParameterSet {
    var value = 1.0
    var epochs = 1
    var mode = "same"
    var optimizer: OptimizerSettings?
    static let fields: [Field<Self>] = [
        Field("value", \.value, .number(), doc: "The number."),
        Field("epochs", \.epochs, .integer(.atLeast(1)), doc: "A count."),
        Field("mode", \.mode, .choice(["same", "valid"]), doc: "A choice."),
        Field("optimizer", \.optimizer, record: OptimizerSettings.self, doc: "Nested settings."),
    ]
}

struct OptimizerSettings: ParameterSet {
    var learningRate = 0.001
    static let fields: [Field<Self>] = [
        Field("learning-rate", \.learningRate, .number(.greaterThan(0)), doc: "Step size."),
    ]
}

struct AddParameters: ParameterSet {
    var amount = 1.0
    static let fields: [Field<Self>] = [Field("amount", \.amount, .number(), doc: "How much.")]
}

struct FailParameters: ParameterSet {
    var why = "broken"
    static let fields: [Field<Self>] = [Field("why", \.why, .string, doc: "The message.")]
}

struct GridParameters: ParameterSet {
    var values = [1.0, 2.0]
    static let fields: [Field<Self>] = [Field("values", \.values, .list(.number()), doc: "Values.")]
}

struct ResumeParameters: ParameterSet {
    var steps = 5
    var crashAt = -1
    static let fields: [Field<Self>] = [
        Field("steps", \.steps, .integer(.atLeast(1)), doc: "Steps."),
        Field("crash-at", \.crashAt, .integer(), doc: "Step at which to throw."),
    ]
}

/// Actions for engine tests: `number` makes a value, `add` reads one and adds, `sum` reads many,
/// `fail` throws, `note` makes no result.
func testRegistry(log: RunLog) -> ActionRegistry {
    ActionRegistry([
        Action(name: "number", version: 1, summary: "Makes a number.", produces: "number",
               parameters: NumberParameters.self,
               run: { parameters, context in
                   log.record("number \(parameters.value)")
                   context.emit(markdown: "value is \(parameters.value)")
                   context.setResult(NumberValue(parameters.value))
               }),
        Action(name: "add", version: 1, summary: "Adds to a number.",
               inputs: [Input("to", kind: "number", doc: "The number to add to.")], produces: "number",
               parameters: AddParameters.self,
               run: { parameters, context in
                   let base = try context.input("to", as: NumberValue.self)
                   log.record("add \(parameters.amount)")
                   let total = base.value + parameters.amount
                   var table = Table(columns: ["sum"])
                   table.append([String(total)])
                   context.emit(table)
                   context.setResult(NumberValue(total))
               }),
        Action(name: "sum", version: 1, summary: "Sums numbers.",
               inputs: [Input("of", kind: "number", multiple: true, doc: "The numbers.")],
               parameters: NoParameters.self,
               run: { _, context in
                   let values = try context.inputs("of", as: NumberValue.self)
                   log.record("sum " + values.map(\.label).joined(separator: ","))
                   context.emit(markdown: "sum = \(values.map(\.value.value).reduce(0, +))")
               }),
        Action(name: "fail", version: 1, summary: "Always fails.", produces: "number",
               parameters: FailParameters.self,
               run: { parameters, context in
                   log.record("fail")
                   throw context.error("it is \(parameters.why)", parameter: "why")
               }),
        Action(name: "grid", version: 1, summary: "Squares each value, one sub-result each.",
               parameters: GridParameters.self,
               run: { parameters, context in
                   var table = Table(columns: ["value", "square", "cached"])
                   for value in parameters.values {
                       let (square, cached) = try context.memoized("square", identity: "\(value)") {
                           log.record("square \(value)")
                           return NumberValue(value * value)
                       }
                       table.append(["\(value)", "\(square.value)", "\(cached)"])
                   }
                   context.emit(table)
               }),
        Action(name: "plot", version: 1, summary: "Squares a number once (a sub-result) and draws a figure of it.",
               inputs: [Input("of", kind: "number", doc: "The number.")],
               parameters: NoParameters.self,
               run: { _, context in
                   let base = try context.input("of", as: NumberValue.self)
                   let (square, _) = try context.memoized("square", identity: "\(base.value)") {
                       log.record("square \(base.value)")
                       return NumberValue(base.value * base.value)
                   }
                   log.record("plot at \(context.figureScale)")
                   context.emitFigure(name: "square", title: "Square \(square.value)",
                                      png: pngHeader(width: UInt32(100 * context.figureScale)), scale: context.figureScale)
               }),
        Action(name: "resume", version: 1, summary: "Counts to a total, checkpointing each step.",
               produces: "number",
               parameters: ResumeParameters.self,
               run: { parameters, context in
                   var step = 0
                   var total = 0.0
                   if let checkpoint = try context.latestCheckpoint() {
                       step = checkpoint.step
                       total = Double(String(decoding: checkpoint.data, as: UTF8.self)) ?? 0
                       log.record("resumed at \(step)")
                   }
                   while step < parameters.steps {
                       if step == parameters.crashAt { throw ActionError("crashed at \(step)") }
                       step += 1
                       total += Double(step)
                       context.progress.update(ProgressUpdate(completed: step, total: parameters.steps))
                       try context.saveCheckpoint(step: step, data: Data(String(total).utf8))
                   }
                   log.record("resume finished")
                   context.setResult(NumberValue(total))
               }),
    ])
}

/// The first 24 bytes of a PNG `width` × 10 pixels: signature, IHDR length and type, width, height.
func pngHeader(width: UInt32) -> Data {
    var bytes: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13] + Array("IHDR".utf8)
    bytes += withUnsafeBytes(of: width.bigEndian) { Array($0) }
    bytes += withUnsafeBytes(of: UInt32(10).bigEndian) { Array($0) }
    return Data(bytes + [8, 2, 0, 0, 0])
}

/// A scratch folder that is removed when the test ends.
final class TemporaryDirectory {
    let path: String
    init() {
        path = NSTemporaryDirectory() + "loom-tests-" + UUID().uuidString
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(atPath: path) }
    func file(_ name: String) -> String { (path as NSString).appendingPathComponent(name) }
}

func check(_ text: String, log: RunLog = RunLog(), path: String = "nb.md") -> CheckedNotebook {
    Checker.check(NotebookDocument.parse(path: path, text: text), registry: testRegistry(log: log))
}

func messages(_ text: String) -> [String] {
    check(text).diagnostics.map(\.description)
}
