import Testing
import TensorCore

/// `DirectConvolution` (oneDNN) against the definition of a convolution, in double precision.
@Suite struct DirectConvolutionDefinitionTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var shape: DirectConvolutionShape
        var relu = false
        var testDescription: String {
            "\(shape.batch)×\(shape.channels)×\(shape.height)×\(shape.width) → \(shape.filters), k \(shape.kernel), stride \(shape.stride)"
                + ", pads \(shape.padTop) \(shape.padLeft) \(shape.padBottom) \(shape.padRight)\(relu ? ", relu" : "")"
        }
    }

    static let cases: [Case] = [
        Case(shape: .init(batch: 3, channels: 16, height: 6, width: 5, filters: 8, kernel: 3, stride: 1, padTop: 1, padLeft: 1, padBottom: 1, padRight: 1)),
        Case(shape: .init(batch: 2, channels: 5, height: 7, width: 7, filters: 3, kernel: 3, stride: 2, padTop: 0, padLeft: 0, padBottom: 0, padRight: 0),
             relu: true),
        Case(shape: .init(batch: 4, channels: 32, height: 5, width: 5, filters: 16, kernel: 2, stride: 1, padTop: 0, padLeft: 0, padBottom: 1, padRight: 1)),
    ]

    @Test(arguments: cases)
    func matchesTheDefinition(_ c: Case) throws {
        let s = c.shape
        guard let convolution = try? DirectConvolution(shape: s, training: true, relu: c.relu, requireOptimized: false) else {
            Issue.record("oneDNN refused \(c.testDescription)")
            return
        }
        var generator = SeededGenerator(seed: 5)
        let x = (0..<(s.batch * s.inputSize)).map { _ in Float.random(in: -1...1, using: &generator) }
        let w = (0..<s.weightCount).map { _ in Float.random(in: -0.5...0.5, using: &generator) }
        let b = (0..<s.filters).map { _ in Float.random(in: -0.5...0.5, using: &generator) }
        let dy = (0..<(s.batch * s.outputSize)).map { _ in Float.random(in: -1...1, using: &generator) }
        var y = [Float](repeating: .nan, count: dy.count), dx = [Float](repeating: .nan, count: x.count)
        var dw = [Float](repeating: .nan, count: w.count), db = [Float](repeating: .nan, count: s.filters)
        convolution.forward(input: x, weights: w, bias: b, output: &y)
        convolution.backward(input: x, outputGradient: dy, weights: w, inputGradient: &dx, weightGradient: &dw, biasGradient: &db)

        // The definition: y[n,f,oy,ox] = b[f] + Σ w[f,c,ky,kx] · x[n,c,oy·s+ky−pt, ox·s+kx−pl].
        let (oh, ow, k) = (s.outputHeight, s.outputWidth, s.kernel)
        var ry = [Double](repeating: 0, count: y.count), rdx = [Double](repeating: 0, count: x.count)
        var rdw = [Double](repeating: 0, count: w.count), rdb = [Double](repeating: 0, count: s.filters)
        for n in 0..<s.batch {
            for f in 0..<s.filters {
                for oy in 0..<oh {
                    for ox in 0..<ow {
                        let o = ((n * s.filters + f) * oh + oy) * ow + ox
                        var sum = Double(b[f])
                        rdb[f] += Double(dy[o])
                        for ch in 0..<s.channels {
                            for ky in 0..<k {
                                for kx in 0..<k {
                                    let iy = oy * s.stride + ky - s.padTop, ix = ox * s.stride + kx - s.padLeft
                                    guard iy >= 0, iy < s.height, ix >= 0, ix < s.width else { continue }
                                    let i = ((n * s.channels + ch) * s.height + iy) * s.width + ix
                                    let wi = ((f * s.channels + ch) * k + ky) * k + kx
                                    sum += Double(w[wi]) * Double(x[i])
                                    rdx[i] += Double(w[wi]) * Double(dy[o])
                                    rdw[wi] += Double(x[i]) * Double(dy[o])
                                }
                            }
                        }
                        ry[o] = c.relu ? max(sum, 0) : sum
                    }
                }
            }
        }
        func worst(_ a: [Float], _ reference: [Double]) -> Double {
            let scale = max(reference.map(abs).max() ?? 0, 1e-9)
            return zip(a, reference).map { abs(Double($0) - $1) }.max().map { $0 / scale } ?? 0
        }
        #expect(worst(y, ry) < 1e-5, "forward")
        #expect(worst(dx, rdx) < 1e-5, "input gradient")
        #expect(worst(dw, rdw) < 1e-5, "weight gradient")
        #expect(worst(db, rdb) < 1e-5, "bias gradient")
    }

    @Test func inferenceForwardMatchesTraining() throws {
        let s = Self.cases[0].shape
        let training = try DirectConvolution(shape: s, training: true, requireOptimized: false)
        let inference = try DirectConvolution(shape: s, training: false, requireOptimized: false)
        var generator = SeededGenerator(seed: 6)
        let x = (0..<(s.batch * s.inputSize)).map { _ in Float.random(in: -1...1, using: &generator) }
        let w = (0..<s.weightCount).map { _ in Float.random(in: -0.5...0.5, using: &generator) }
        let b = [Float](repeating: 0.25, count: s.filters)
        var a = [Float](repeating: .nan, count: s.batch * s.outputSize), c = a
        training.forward(input: x, weights: w, bias: b, output: &a)
        inference.forward(input: x, weights: w, bias: b, output: &c)
        let scale = a.map(abs).max() ?? 1
        #expect(zip(a, c).allSatisfy { abs($0 - $1) <= 1e-5 * scale })
    }
}
