import Testing
@testable import Actions
@Test func moduleLinks() { #expect(Bool(true)) }
