import Testing
@testable import Figures
@Test func moduleLinks() { #expect(Bool(true)) }
