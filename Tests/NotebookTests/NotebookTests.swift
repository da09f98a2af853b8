import Testing
@testable import Notebook
@Test func moduleLinks() { #expect(Bool(true)) }
