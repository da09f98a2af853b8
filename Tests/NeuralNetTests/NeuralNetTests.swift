import Testing
@testable import NeuralNet
@Test func moduleLinks() { #expect(Bool(true)) }
