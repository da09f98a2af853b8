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

/// Actions for engine tests: `number` makes a value, `add` reads one and adds, `sum` reads many,
/// `fail` throws, `note` makes no result.
func testRegistry(log: RunLog) -> ActionRegistry {
    ActionRegistry([
        Action(name: "number", version: 1, summary: "Makes a number.", produces: "number",
               parameters: [
                   Parameter("value", .number(), default: 1, doc: "The number."),
                   Parameter("epochs", .integer(.atLeast(1)), default: 1, doc: "A count."),
                   Parameter("mode", .choice(["same", "valid"]), default: "same", doc: "A choice."),
                   Parameter("optimizer", .record([
                       Parameter("learning-rate", .number(.greaterThan(0)), default: 0.001, doc: "Step size."),
                   ]), doc: "Nested settings."),
               ],
               run: { context in
                   log.record("number \(context.parameters.double("value"))")
                   context.emit(markdown: "value is \(context.parameters.double("value"))")
                   context.setResult(NumberValue(context.parameters.double("value")))
               }),
        Action(name: "add", version: 1, summary: "Adds to a number.",
               inputs: [Input("to", kind: "number", doc: "The number to add to.")], produces: "number",
               parameters: [Parameter("amount", .number(), default: 1, doc: "How much.")],
               run: { context in
                   let base = try context.input("to", as: NumberValue.self)
                   log.record("add \(context.parameters.double("amount"))")
                   let total = base.value + context.parameters.double("amount")
                   var table = Table(columns: ["sum"])
                   table.append([String(total)])
                   context.emit(table)
                   context.setResult(NumberValue(total))
               }),
        Action(name: "sum", version: 1, summary: "Sums numbers.",
               inputs: [Input("of", kind: "number", multiple: true, doc: "The numbers.")],
               parameters: [],
               run: { context in
                   let values = try context.inputs("of", as: NumberValue.self)
                   log.record("sum " + values.map(\.label).joined(separator: ","))
                   context.emit(markdown: "sum = \(values.map(\.value.value).reduce(0, +))")
               }),
        Action(name: "fail", version: 1, summary: "Always fails.", produces: "number",
               parameters: [Parameter("why", .string, default: "broken", doc: "The message.")],
               run: { context in
                   log.record("fail")
                   throw context.error("it is \(context.parameters.string("why"))", parameter: "why")
               }),
        Action(name: "grid", version: 1, summary: "Squares each value, one sub-result each.",
               parameters: [Parameter("values", .list(.number()), default: .list([1, 2]), doc: "Values.")],
               run: { context in
                   var table = Table(columns: ["value", "square", "cached"])
                   for value in context.parameters.list("values").compactMap(\.doubleValue) {
                       let (square, cached) = try context.memoized("square", identity: "\(value)") {
                           log.record("square \(value)")
                           return NumberValue(value * value)
                       }
                       table.append(["\(value)", "\(square.value)", "\(cached)"])
                   }
                   context.emit(table)
               }),
        Action(name: "resume", version: 1, summary: "Counts to a total, checkpointing each step.",
               produces: "number",
               parameters: [
                   Parameter("steps", .integer(.atLeast(1)), default: 5, doc: "Steps."),
                   Parameter("crash-at", .integer(), default: -1, doc: "Step at which to throw."),
               ],
               run: { context in
                   var step = 0
                   var total = 0.0
                   if let checkpoint = try context.latestCheckpoint() {
                       step = checkpoint.step
                       total = Double(String(decoding: checkpoint.data, as: UTF8.self)) ?? 0
                       log.record("resumed at \(step)")
                   }
                   while step < context.parameters.int("steps") {
                       if step == context.parameters.int("crash-at") { throw ActionError("crashed at \(step)") }
                       step += 1
                       total += Double(step)
                       context.progress.update(ProgressUpdate(completed: step, total: context.parameters.int("steps")))
                       try context.saveCheckpoint(step: step, data: Data(String(total).utf8))
                   }
                   log.record("resume finished")
                   context.setResult(NumberValue(total))
               }),
    ])
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
