import TensorCore

// Small element-wise loops written with explicit SIMD, because the compiler turns their scalar
// versions' selects into branches. Every lane order is fixed, so results are reproducible.

/// `x ← max(x + bias, 0)` (or `x + bias` without ReLU) for `count` values.
@inline(__always)
func addBias(_ x: UnsafeMutablePointer<Float>, count: Int, bias: Float, relu: Bool) {
    var i = 0
    let b = SIMD8<Float>(repeating: bias), zero = SIMD8<Float>()
    let raw = UnsafeMutableRawPointer(x)
    while i + 8 <= count {
        var v = raw.loadUnaligned(fromByteOffset: 4 * i, as: SIMD8<Float>.self) + b
        if relu { v = v.replacing(with: zero, where: v .< zero) }
        raw.storeBytes(of: v, toByteOffset: 4 * i, as: SIMD8<Float>.self)
        i += 8
    }
    while i < count {
        let v = x[i] + bias
        x[i] = relu && v < 0 ? 0 : v
        i += 1
    }
}

/// `g ← g · 1[y > 0]`: the ReLU derivative applied to a gradient, given the ReLU's output.
@inline(__always)
func maskByPositive(_ g: UnsafeMutablePointer<Float>, output y: UnsafePointer<Float>, count: Int) {
    var i = 0
    let zero = SIMD8<Float>()
    let graw = UnsafeMutableRawPointer(g), yraw = UnsafeRawPointer(y)
    while i + 8 <= count {
        let v = graw.loadUnaligned(fromByteOffset: 4 * i, as: SIMD8<Float>.self)
        let out = yraw.loadUnaligned(fromByteOffset: 4 * i, as: SIMD8<Float>.self)
        graw.storeBytes(of: v.replacing(with: zero, where: out .<= zero), toByteOffset: 4 * i, as: SIMD8<Float>.self)
        i += 8
    }
    while i < count {
        if !(y[i] > 0) { g[i] = 0 }
        i += 1
    }
}

/// The sum of `count` values, accumulated in eight fixed lanes.
@inline(__always)
func laneSum(_ values: UnsafePointer<Float>, count: Int) -> Float {
    var lanes = SIMD8<Float>()
    var i = 0
    let raw = UnsafeRawPointer(values)
    while i + 8 <= count {
        lanes += raw.loadUnaligned(fromByteOffset: 4 * i, as: SIMD8<Float>.self)
        i += 8
    }
    var total = lanes.sum()
    while i < count {
        total += values[i]
        i += 1
    }
    return total
}

/// `d[i] += s[i]` for `count` values.
@inline(__always)
func accumulate(_ d: UnsafeMutablePointer<Float>, _ s: UnsafePointer<Float>, count: Int) {
    var i = 0
    let draw = UnsafeMutableRawPointer(d), sraw = UnsafeRawPointer(s)
    while i + 8 <= count {
        let v = draw.loadUnaligned(fromByteOffset: 4 * i, as: SIMD8<Float>.self) + sraw.loadUnaligned(fromByteOffset: 4 * i, as: SIMD8<Float>.self)
        draw.storeBytes(of: v, toByteOffset: 4 * i, as: SIMD8<Float>.self)
        i += 8
    }
    while i < count {
        d[i] += s[i]
        i += 1
    }
}

/// `x[j] ← x[j] + bias[j]`, then `0` where the sum is not positive when `relu`, for `count` values.
@inline(__always)
func addBiasRow(_ x: UnsafeMutablePointer<Float>, bias: UnsafePointer<Float>, count: Int, relu: Bool) {
    var i = 0
    let zero = SIMD8<Float>()
    let raw = UnsafeMutableRawPointer(x), braw = UnsafeRawPointer(bias)
    while i + 8 <= count {
        var v = raw.loadUnaligned(fromByteOffset: 4 * i, as: SIMD8<Float>.self) + braw.loadUnaligned(fromByteOffset: 4 * i, as: SIMD8<Float>.self)
        if relu { v = v.replacing(with: zero, where: .!(v .> zero)) }
        raw.storeBytes(of: v, toByteOffset: 4 * i, as: SIMD8<Float>.self)
        i += 8
    }
    while i < count {
        let v = x[i] + bias[i]
        x[i] = relu && !(v > 0) ? 0 : v
        i += 1
    }
}

/// `(Σx, Σx²)` of `count` values: eight fixed Float lanes, totals in Double.
@inline(__always)
func planeMoments(_ x: UnsafePointer<Float>, count: Int) -> (sum: Double, squares: Double) {
    var sum = SIMD8<Float>(), squares = SIMD8<Float>()
    var i = 0
    let raw = UnsafeRawPointer(x)
    while i + 8 <= count {
        let v = raw.loadUnaligned(fromByteOffset: 4 * i, as: SIMD8<Float>.self)
        sum += v
        squares += v * v
        i += 8
    }
    var s = Double(sum.sum()), q = Double(squares.sum())
    while i < count {
        s += Double(x[i])
        q += Double(x[i]) * Double(x[i])
        i += 1
    }
    return (s, q)
}

/// Batch norm's forward step on one plane: `h = (x − mean)·inverse`, `y = γ·h + β` (and
/// `y ← max(y, 0)` when a ReLU is fused).
@inline(__always)
func normalizePlane(_ x: UnsafePointer<Float>, normalized h: UnsafeMutablePointer<Float>, output y: UnsafeMutablePointer<Float>,
                    count: Int, mean: Float, inverse: Float, gamma: Float, beta: Float, relu: Bool) {
    var i = 0
    let xr = UnsafeRawPointer(x), hr = UnsafeMutableRawPointer(h), yr = UnsafeMutableRawPointer(y)
    let m = SIMD8<Float>(repeating: mean), s = SIMD8<Float>(repeating: inverse)
    let g = SIMD8<Float>(repeating: gamma), b = SIMD8<Float>(repeating: beta), zero = SIMD8<Float>()
    while i + 8 <= count {
        let value = (xr.loadUnaligned(fromByteOffset: 4 * i, as: SIMD8<Float>.self) - m) * s
        hr.storeBytes(of: value, toByteOffset: 4 * i, as: SIMD8<Float>.self)
        var out = g * value + b
        if relu { out = out.replacing(with: zero, where: out .< zero) }
        yr.storeBytes(of: out, toByteOffset: 4 * i, as: SIMD8<Float>.self)
        i += 8
    }
    while i < count {
        let value = (x[i] - mean) * inverse
        h[i] = value
        let out = gamma * value + beta
        y[i] = relu && out < 0 ? 0 : out
        i += 1
    }
}

/// `(Σg, Σg·h)` of one plane: eight fixed Float lanes, totals in Double.
@inline(__always)
func gradientMoments(_ g: UnsafePointer<Float>, _ h: UnsafePointer<Float>, count: Int) -> (sum: Double, product: Double) {
    var sum = SIMD8<Float>(), product = SIMD8<Float>()
    var i = 0
    let gr = UnsafeRawPointer(g), hr = UnsafeRawPointer(h)
    while i + 8 <= count {
        let v = gr.loadUnaligned(fromByteOffset: 4 * i, as: SIMD8<Float>.self)
        sum += v
        product += v * hr.loadUnaligned(fromByteOffset: 4 * i, as: SIMD8<Float>.self)
        i += 8
    }
    var s = Double(sum.sum()), p = Double(product.sum())
    while i < count {
        s += Double(g[i])
        p += Double(g[i]) * Double(h[i])
        i += 1
    }
    return (s, p)
}

/// Batch norm's input gradient on one plane: `d = factor·(m·g − Σg − h·Σg·h)`.
@inline(__always)
func normalizationInputGradient(_ d: UnsafeMutablePointer<Float>, _ g: UnsafePointer<Float>, _ h: UnsafePointer<Float>, count: Int,
                                factor: Float, m: Float, sumG: Float, sumGX: Float) {
    var i = 0
    let dr = UnsafeMutableRawPointer(d), gr = UnsafeRawPointer(g), hr = UnsafeRawPointer(h)
    let f = SIMD8<Float>(repeating: factor), mm = SIMD8<Float>(repeating: m)
    let sg = SIMD8<Float>(repeating: sumG), sgx = SIMD8<Float>(repeating: sumGX)
    while i + 8 <= count {
        let gv = gr.loadUnaligned(fromByteOffset: 4 * i, as: SIMD8<Float>.self)
        let hv = hr.loadUnaligned(fromByteOffset: 4 * i, as: SIMD8<Float>.self)
        dr.storeBytes(of: f * (mm * gv - sg - hv * sgx), toByteOffset: 4 * i, as: SIMD8<Float>.self)
        i += 8
    }
    while i < count {
        d[i] = factor * (m * g[i] - sumG - h[i] * sumGX)
        i += 1
    }
}
