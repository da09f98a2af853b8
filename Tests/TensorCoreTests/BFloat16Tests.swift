import Testing
@testable import TensorCore

/// bfloat16 rounding and the oneDNN product behind `precision: bf16`.
@Suite struct BFloat16Tests {
    @Test func roundsToNearestWithTiesToEvenAndKeepsSpecialValues() {
        #expect(BFloat16.one(1) == 0x3F80)
        #expect(BFloat16.one(-2) == 0xC000)
        // 1 + 2⁻⁸ lies halfway between 1 and the next bfloat16 (1 + 2⁻⁷): ties go to the even one, 1.
        #expect(BFloat16.one(1 + 0x1p-8) == 0x3F80)
        // 1 + 3·2⁻⁸ lies halfway between 1 + 2⁻⁷ (odd) and 1 + 2⁻⁶ (even): up.
        #expect(BFloat16.one(1 + 3 * 0x1p-8) == 0x3F82)
        // Just above a tie rounds up.
        #expect(BFloat16.one(Float(bitPattern: 0x3F80_8001)) == 0x3F81)
        #expect(BFloat16.one(.infinity) == 0x7F80)
        #expect(BFloat16.value(BFloat16.one(.nan)).isNaN)
        // The largest float rounds to infinity, as IEEE rounding of an overflow does.
        #expect(BFloat16.one(.greatestFiniteMagnitude) == 0x7F80)
        #expect(BFloat16.value(0x3F80) == 1)
    }

    @Test func theVectorLoopRoundsEveryValueAsTheScalarOneDoes() {
        var generator = SeededGenerator(seed: 3)
        var values = (0..<1_037).map { _ in Float.random(in: -1e4...1e4, using: &generator) }
        values += [.nan, -.nan, .infinity, -.infinity, 0, -0.0, .leastNonzeroMagnitude, 1 + 0x1p-8]
        var rounded = [UInt16](repeating: 0, count: values.count)
        BFloat16.round(values, into: &rounded, count: values.count)
        for (value, bits) in zip(values, rounded) {
            if value.isNaN {
                #expect(BFloat16.value(bits).isNaN)
            } else {
                #expect(bits == BFloat16.one(value), "\(value)")
                // Relative error at most 2⁻⁸: half a step of bfloat16's 7 stored mantissa bits.
                if value.isFinite && value != 0 && abs(value) > 1e-30 {
                    #expect(abs(BFloat16.value(bits) - value) <= abs(value) * 0x1p-8)
                }
            }
        }
    }

    @Test(.enabled(if: BFloat16.availability.available,
                   "this processor has no AVX512_BF16 or AMX, so oneDNN has no native bfloat16 product"))
    func theProductMatchesFloat32OnTheRoundedOperandsWithBiasAndReLU() throws {
        let (rows, inputs, units) = (37, 100, 19)
        var generator = SeededGenerator(seed: 5)
        let x = (0..<(rows * inputs)).map { _ in Float.random(in: -1...1, using: &generator) }
        let w = (0..<(units * inputs)).map { _ in Float.random(in: -1...1, using: &generator) }
        let bias = (0..<units).map { _ in Float.random(in: -1...1, using: &generator) }
        var xBits = [UInt16](repeating: 0, count: x.count), wBits = [UInt16](repeating: 0, count: w.count)
        BFloat16.round(x, into: &xBits, count: x.count)
        BFloat16.round(w, into: &wBits, count: w.count)
        for relu in [false, true] {
            let product = try BFloat16Product(rows: rows, inputs: inputs, units: units, relu: relu)
            #expect(product.implementation.contains("bf16") || product.implementation.contains("amx"))
            var y = [Float](repeating: .nan, count: rows * units)
            product.run(input: xBits, weights: wBits, bias: bias, output: &y)
            for r in 0..<rows {
                for u in 0..<units {
                    // The exact sum of the rounded operands, in double precision.
                    var exact = Double(bias[u])
                    for k in 0..<inputs {
                        exact += Double(BFloat16.value(xBits[r * inputs + k])) * Double(BFloat16.value(wBits[u * inputs + k]))
                    }
                    if relu { exact = max(exact, 0) }
                    #expect(abs(Double(y[r * units + u]) - exact) < 1e-4, "row \(r) unit \(u) relu \(relu)")
                }
            }
        }
    }

    @Test func theUnsupportedCaseSaysWhatIsMissingAndWhatToDo() {
        let message = BFloat16Error.unsupported(instructionSet: "avx2", implementation: nil).description
        #expect(message == "bfloat16 inference needs AVX512_BF16 or AMX instructions, which this processor (or LOOM_KERNELS) "
                + "rules out: oneDNN runs avx2 kernels here and has no bfloat16 matrix product for them; use 'precision: fp32'")
    }
}
