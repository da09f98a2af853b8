import Foundation
import Testing
@testable import Engine

@Suite struct ConcurrentCellsTests {
    @Test func cellsThatWaitOnTheExecutorMoveUpToJustAfterTheirInputs() {
        // load, split, train A, evaluate A, train B, evaluate B: train B is submitted before evaluate A
        // waits for train A, so that both trainings run at once.
        let dependencies = [[], [0], [1], [2], [1], [4]]
        #expect(ConcurrentCells.order(dependencies: dependencies, waits: [false, false, true, false, true, false])
                == [0, 1, 2, 4, 3, 5])
        // Without an executor nothing waits: document order.
        #expect(ConcurrentCells.order(dependencies: dependencies, waits: Array(repeating: false, count: 6)) == Array(0..<6))
        // A submitted cell that reads another submitted cell still comes after it (a sweep of a trained model's features).
        #expect(ConcurrentCells.order(dependencies: [[], [0], [0], [1]], waits: [false, true, false, true]) == [0, 1, 3, 2])
    }

    @Test func aCellsOutcomeAndWhenItFinishedAreHandedToTheWaitingThread() throws {
        let cells = ConcurrentCells()
        let gate = DispatchSemaphore(value: 0)
        cells.start(4) { gate.wait() }
        cells.start(7) { throw ActionError("no") }
        let failed = cells.wait(for: 7)
        #expect(throws: ActionError.self) { try failed.outcome.get() }
        let released = Date()
        gate.signal()
        let done = cells.wait(for: 4)
        try done.outcome.get()
        #expect(done.finished >= released)
        #expect(cells.started == [4, 7])
    }

    @Test func ofSeveralCellsTheOneThatEndsFirstIsHandedOverFirst() throws {
        let cells = ConcurrentCells()
        let gate = DispatchSemaphore(value: 0)
        cells.start(2) { gate.wait() }
        cells.start(5) {}
        let first = cells.wait(forAnyOf: [2, 5])
        #expect(first.index == 5)
        gate.signal()
        #expect(cells.wait(forAnyOf: [2]).index == 2)
    }
}
