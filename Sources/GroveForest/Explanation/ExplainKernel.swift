// Which implementation of the explainer's arithmetic runs: the Swift reference or the C kernel at a vector width.

import CGroveExplain
import Foundation

/// The code that explains a row. Every choice computes the same exact SHAP values (tests
/// hold each to the brute-force oracle); the vector kernels return identical bits on every
/// CPU (no fused multiply-add, one summation order), the Swift reference differs from them
/// only by rounding.
///
/// Why C: Swift on baseline x86-64 emits 2-wide SSE2 and cannot compile one function for
/// several instruction sets. The kernel (Sources/CGroveExplain) is one C body compiled three
/// times, chosen per CPU at run time: on the German credit demo forest it explains a row
/// about 4x faster than the Swift reference with AVX-512 or AVX2, 2.5x with SSE2 (BENCHMARKS.md,
/// "Explanations: the C kernel" and its third session).
public enum ExplainKernel: String, Sendable, CaseIterable {
    /// ForestExplainer's Swift implementation (SIMD2): the reference the kernel is tested against.
    case reference
    /// The C kernel at the compiler's baseline (SSE2 on x86-64, NEON on aarch64): runs on any CPU.
    case portable
    /// The C kernel with AVX2 (256-bit).
    case avx2
    /// The C kernel with AVX-512F (512-bit).
    case avx512

    /// The widest kernel this CPU runs; the environment variable GROVE_EXPLAIN_ISA =
    /// `portable`, `avx2` or `reference` caps it (e.g. to compare, or to rule the kernel out).
    public static var best: ExplainKernel {
        if ProcessInfo.processInfo.environment["GROVE_EXPLAIN_ISA"] == "reference" { return .reference }
        switch grove_explain_best() {
        case GROVE_EXPLAIN_AVX512: return .avx512
        case GROVE_EXPLAIN_AVX2: return .avx2
        default: return .portable
        }
    }

    /// Whether this CPU runs it.
    public var isSupported: Bool {
        guard let isa else { return true }
        return grove_explain_supported(isa) != 0
    }

    /// The C kernel's instruction set (nil: the Swift reference).
    var isa: GroveExplainISA? {
        switch self {
        case .reference: return nil
        case .portable: return GROVE_EXPLAIN_PORTABLE
        case .avx2: return GROVE_EXPLAIN_AVX2
        case .avx512: return GROVE_EXPLAIN_AVX512
        }
    }
}
