import Analysis
import Engine
import Foundation

/// `compare`'s paired tests: McNemar's test of each model against the most accurate one.
extension CompareAction {
    /// Each other model against the most accurate one (the first on ties), most accurate first;
    /// empty for fewer than two models.
    static func pairedTests(_ rows: [Row]) -> [PairedTest] {
        guard rows.count > 1, let best = rows.indices.max(by: { rows[$0].report.accuracy < rows[$1].report.accuracy })
        else { return [] }
        let bestIndex = rows.indices.first { rows[$0].report.accuracy == rows[best].report.accuracy } ?? best
        return rows.indices.filter { $0 != bestIndex }
            .sorted { rows[$0].report.accuracy != rows[$1].report.accuracy
                ? rows[$0].report.accuracy > rows[$1].report.accuracy : $0 < $1 }
            .map { index in
                PairedTest(best: rows[bestIndex], other: rows[index],
                           result: McNemarTest(firstCorrect: rows[bestIndex].scores.correct,
                                               secondCorrect: rows[index].scores.correct))
            }
    }

    /// One row per other model: its accuracy, the difference, the discordant counts, the test
    /// used, the p-value and whether it is below 0.05.
    static func significanceTable(_ tests: [PairedTest], part: String) -> Table {
        let best = tests.first?.best.label ?? ""
        var table = Table(columns: ["model", "\(part) accuracy", "difference from \(best)", "only \(best) right",
                                    "only this model right", "test", "p-value", "significant at 0.05"],
                          alignments: [.left, .right, .right, .right, .right, .left, .right, .left])
        for test in tests {
            table.append([
                test.other.label, Format.decimal(test.other.report.accuracy),
                Format.points(test.other.report.accuracy - test.best.report.accuracy),
                Format.count(test.result.onlyFirstCorrect), Format.count(test.result.onlySecondCorrect),
                test.result.method.rawValue, Format.pValue(test.result.pValue),
                test.result.isSignificant() ? "**yes**" : "no",
            ])
        }
        return table
    }

    /// "McNemar's test of each model against **cnn** on the same 7,000 test images …: the
    /// difference from mlp is significant (p < 0.0001); from cnn (run 3) it is not (p = 0.412)."
    static func significanceSentence(_ tests: [PairedTest], images: Int, part: String) -> String {
        guard let best = tests.first?.best else { return "" }
        var text = "McNemar's test of each model against **\(best.label)**, the most accurate, on the same "
            + "\(Format.count(images)) \(part) images (only the images exactly one of the two got right count; "
            + "exact binomial test below \(McNemarTest.exactLimit) of them, chi-square with continuity correction "
            + "from there): "
        let clauses = tests.map { test in
            let p = test.result.pValue
            let pText = p < 0.0001 ? "p < 0.0001" : "p = \(Format.pValue(p))"
            if test.result.discordant == 0 {
                return "\(test.other.label) got exactly the same images right, so the two cannot be told apart"
            }
            return test.result.isSignificant()
                ? "the difference from \(test.other.label) is significant (\(pText))"
                : "the difference from \(test.other.label) is not significant (\(pText)), it is within the noise"
        }
        text += clauses.joined(separator: "; ") + "."
        if tests.count > 1 {
            text += " The p-values are not corrected for the \(tests.count) comparisons; Bonferroni's threshold "
                + "would be \(Format.decimal(0.05 / Double(tests.count), 4))."
        }
        return text
    }
}
