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
