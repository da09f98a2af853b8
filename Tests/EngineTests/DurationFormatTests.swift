import Engine
import Testing

@Suite struct DurationFormatTests {
    @Test(arguments: [(8.421, "8.42 s"), (44.63, "44.6 s"), (59.94, "59.9 s"), (60.2, "1 min 00 s"), (606.3, "10 min 06 s"),
                      (3599.4, "59 min 59 s"), (3725, "1 h 02 min")])
    func durationsReadAsAPersonSaysThem(seconds: Double, text: String) {
        #expect(Fact.format(seconds, kind: .seconds) == text)
    }
}
