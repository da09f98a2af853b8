import CProcessor
import Foundation

/// The processor loom runs on: its name and the instruction-set features that choose the kernels.
///
/// Features are read from the processor itself (CPUID and XGETBV on x86-64, the auxiliary
/// vector on AArch64), never inferred from a model number, so a processor that did not exist when
/// loom was written still gets the kernels its features allow.
///
/// ```swift
/// let processor = Processor.current
/// print(processor.name, processor.features.contains(.avx512f))
/// ```
public struct Processor: Sendable, Hashable {
    /// The marketing name (CPUID's brand string, or `/proc/cpuinfo`'s `model name`).
    public var name: String
    /// `GenuineIntel`, `AuthenticAMD`, … on x86-64; the implementer on AArch64 where known.
    public var vendor: String
    /// The architecture loom was built for: `x86_64`, `arm64`, …
    public var architecture: String
    /// The features usable by this process (the processor has them and the OS saves their state).
    public var features: Set<Feature>

    public init(name: String, vendor: String, architecture: String, features: Set<Feature>) {
        self.name = name
        self.vendor = vendor
        self.architecture = architecture
        self.features = features
    }

    /// An instruction-set feature that changes which kernels can run.
    public enum Feature: String, Sendable, Hashable, CaseIterable, Comparable {
        case sse3, ssse3, sse41 = "sse4.1", sse42 = "sse4.2", avx, fma, avx2, f16c
        case avx512f, avx512dq, avx512cd, avx512bw, avx512vl, avx512vnni = "avx512_vnni", avx512bf16 = "avx512_bf16"
        case amxTile = "amx_tile", amxBF16 = "amx_bf16", amxInt8 = "amx_int8"
        case neon, asimdhp, sve

        public static func < (lhs: Feature, rhs: Feature) -> Bool {
            allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
        }
    }

    /// The processor this process runs on, read once.
    public static let current: Processor = detect()

    /// Reads the processor's name and features.
    public static func detect() -> Processor {
        #if arch(x86_64)
        return detectX86()
        #elseif arch(arm64)
        return detectARM()
        #else
        return Processor(name: cpuinfoModelName() ?? "unknown", vendor: "unknown",
                         architecture: architectureName, features: [])
        #endif
    }

    static var architectureName: String {
        #if arch(x86_64)
        "x86_64"
        #elseif arch(arm64)
        "arm64"
        #else
        "other"
        #endif
    }

    private static func cpuid(_ leaf: UInt32, _ subleaf: UInt32 = 0) -> (eax: UInt32, ebx: UInt32, ecx: UInt32, edx: UInt32) {
        var registers: [UInt32] = [0, 0, 0, 0]
        _ = registers.withUnsafeMutableBufferPointer { loom_cpuid(leaf, subleaf, $0.baseAddress) }
        return (registers[0], registers[1], registers[2], registers[3])
    }

    private static func detectX86() -> Processor {
        let leaf0 = cpuid(0)
        let vendor = [leaf0.ebx, leaf0.edx, leaf0.ecx].map(asciiText).joined()
        let leaf1 = cpuid(1)
        let leaf7 = cpuid(7, 0)
        let leaf7sub1 = cpuid(7, 1)
        let xcr0 = loom_xgetbv0()
        // The OS must save the registers' state: XMM|YMM for AVX, plus opmask|ZMM_Hi256|Hi16_ZMM for AVX-512.
        let osAVX = xcr0 & 0b110 == 0b110
        let osAVX512 = osAVX && xcr0 & 0b1110_0000 == 0b1110_0000
        let osAMX = xcr0 & (0b11 << 17) == (0b11 << 17)

        func bit(_ register: UInt32, _ index: UInt32) -> Bool { register & (1 << index) != 0 }
        var features = Set<Feature>()
        if bit(leaf1.ecx, 0) { features.insert(.sse3) }
        if bit(leaf1.ecx, 9) { features.insert(.ssse3) }
        if bit(leaf1.ecx, 19) { features.insert(.sse41) }
        if bit(leaf1.ecx, 20) { features.insert(.sse42) }
        if osAVX {
            if bit(leaf1.ecx, 28) { features.insert(.avx) }
            if bit(leaf1.ecx, 12) { features.insert(.fma) }
            if bit(leaf1.ecx, 29) { features.insert(.f16c) }
            if bit(leaf7.ebx, 5) { features.insert(.avx2) }
        }
        if osAVX512 {
            if bit(leaf7.ebx, 16) { features.insert(.avx512f) }
            if bit(leaf7.ebx, 17) { features.insert(.avx512dq) }
            if bit(leaf7.ebx, 28) { features.insert(.avx512cd) }
            if bit(leaf7.ebx, 30) { features.insert(.avx512bw) }
            if bit(leaf7.ebx, 31) { features.insert(.avx512vl) }
            if bit(leaf7.ecx, 11) { features.insert(.avx512vnni) }
            if bit(leaf7sub1.eax, 5) { features.insert(.avx512bf16) }
        }
        if osAMX {
            if bit(leaf7.edx, 24) { features.insert(.amxTile) }
            if bit(leaf7.edx, 22) { features.insert(.amxBF16) }
            if bit(leaf7.edx, 25) { features.insert(.amxInt8) }
        }

        var name = ""
        if cpuid(0x8000_0000).eax >= 0x8000_0004 {
            name = (0x8000_0002...0x8000_0004).map { leaf -> String in
                let r = cpuid(UInt32(leaf))
                return [r.eax, r.ebx, r.ecx, r.edx].map(asciiText).joined()
            }.joined()
        }
        name = name.trimmingCharacters(in: .whitespaces.union(CharacterSet(charactersIn: "\0")))
        if name.isEmpty { name = cpuinfoModelName() ?? "unknown x86-64 processor" }
        let family = (leaf1.eax >> 8) & 0xF + ((leaf1.eax >> 8) & 0xF == 0xF ? (leaf1.eax >> 20) & 0xFF : 0)
        let model = (leaf1.eax >> 4) & 0xF | ((leaf1.eax >> 12) & 0xF0)
        return Processor(name: "\(name) (family \(family) model \(model))", vendor: vendor,
                         architecture: "x86_64", features: features)
    }

    private static func detectARM() -> Processor {
        let hwcap = loom_hwcap()
        var features: Set<Feature> = [.neon]   // Advanced SIMD is mandatory on AArch64.
        if hwcap & (1 << 10) != 0 { features.insert(.asimdhp) }
        if hwcap & (1 << 22) != 0 { features.insert(.sve) }
        return Processor(name: cpuinfoModelName() ?? "AArch64 processor", vendor: "unknown",
                         architecture: "arm64", features: features)
    }

    private static func asciiText(_ register: UInt32) -> String {
        let bytes = (0..<4).map { UInt8((register >> ($0 * 8)) & 0xFF) }.filter { $0 != 0 }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func cpuinfoModelName() -> String? {
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix("model name") || line.hasPrefix("Model") {
            if let colon = line.firstIndex(of: ":") {
                return line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            }
        }
        return nil
    }
}
