import Testing
@testable import TensorCore
@Test func moduleLinks() { #expect(Bool(true)) }
