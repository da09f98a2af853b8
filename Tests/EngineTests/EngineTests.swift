import Testing
@testable import Engine
@Test func moduleLinks() { #expect(Bool(true)) }
