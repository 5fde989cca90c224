@testable import CabinetApp
import Testing

@Suite struct SparklineTests {
    @Test func emptyInputOrNoWidthIsEmpty() {
        #expect(Sparkline.render([], width: 10) == "")
        #expect(Sparkline.render([1, 2, 3], width: 0) == "")
    }

    @Test func scalesBetweenMinAndMax() {
        #expect(Sparkline.render([0, 1, 2, 3, 4, 5, 6, 7], width: 8) == "▁▂▃▄▅▆▇█")
        #expect(Sparkline.render([10, 20], width: 8) == "▁█")
    }

    @Test func keepsTheLastValues() {
        let line = Sparkline.render([100, 0, 7, 0], width: 3)
        #expect(line == "▁█▁")  // 100 is no longer shown, so it does not flatten the rest
    }

    @Test func flatSeriesAtMidHeight() {
        #expect(Sparkline.render([5, 5, 5], width: 10) == "▄▄▄")
        #expect(Sparkline.render([5, 5, 5], width: 10, ascii: true) == "---")
    }

    @Test func asciiFallback() {
        let line = Sparkline.render([0, 1, 2, 3, 4], width: 5, ascii: true)
        #expect(line == "_.-=^")
        #expect(line.allSatisfy { $0.isASCII })
    }

    @Test func nonFiniteValuesAreGaps() {
        #expect(Sparkline.render([0, .nan, 7], width: 3) == "▁ █")
        #expect(Sparkline.render([.infinity], width: 3) == " ")
        #expect(Sparkline.render([-Double.greatestFiniteMagnitude, Double.greatestFiniteMagnitude], width: 2) == "▁█")
    }
}
