import Testing
@testable import Dataset
@Test func moduleLinks() { #expect(Bool(true)) }
