import type {ShaderLanguage} from './types.js';

/** `cond ? ifTrue : ifFalse` in the target language (WGSL spells it select(f, t, cond)). */
export function ternary(lang: ShaderLanguage, cond: string, ifTrue: string, ifFalse: string): string {
  return lang === 'glsl' ? `((${cond}) ? (${ifTrue}) : (${ifFalse}))` : `select(${ifFalse}, ${ifTrue}, ${cond})`;
}

/**
 * The disjunction of boolean expressions, evaluated without short-circuit in WGSL (`|` on bool).
 * WGSL's `||` is control flow: repeated in a program's unrolled per-term code it turns into a nest
 * of branches, and SwiftShader's compiler went superlinear on one — root p < 0's backprop-filter
 * with 4 × 4 unrolled terms never finished compiling (issue 13). Every generated WGSL condition uses
 * this form; GLSL keeps `||` (its compilers flatten it, and GLSL has no bool `|`).
 */
export function anyOf(lang: ShaderLanguage, ...conditions: string[]): string {
  return `(${conditions.map((c) => `(${c})`).join(lang === 'glsl' ? ' || ' : ' | ')})`;
}

/**
 * Smallest factorised sum s (FactorisedSnippets.minSum) a kernel trusts, float32. Each product of
 * two factors in [0, 1] that falls below 2^-126 ≈ 1.2e-38 may be flushed to zero (GPUs flush
 * denormals), so a sum s ≥ 1e-20 has lost less than n·1.2e-18 of itself to underflow for n terms —
 * nothing measurable for any window size. s ≥ 1e-20 also bounds the cancellation in
 * y = X + W + μ·log s (log) to |μ·log s| ≤ 46·|μ|, so y keeps float32 precision relative to
 * max(|y|, 46·|μ|). s < 1e-20 means the dominant term lies more than 46·|μ| (log) below the
 * anchors' sum, or below 1e-20^{1/p}·X·W (root): then the output is recomputed exactly.
 */
export const FACTORISED_MIN_SUM = 1e-20;

/**
 * Largest gradient scale (FactorisedSnippets.grad.maxScale) a kernel trusts, float32. The backward
 * kernels form products factor(x, X)·factor(w, W)·scale with both factors in [0, 1] and the product
 * ∂y/∂t ≤ 1 (log: t never exceeds y in the direction of μ). A factor, or a product of a factor and
 * the scale, that falls below 2^-126 may be flushed to zero; with scale ≤ 1e17 (≈ e^{39}) the term
 * lost that way is below 1.2e-38·1e17 ≈ 1e-21 of |dy|, far below float32 resolution of any sum it
 * belongs to. The partial sums the kernels keep before the last factor (Σ factor·dy·scale) are at
 * most 1e17·|dy| per term, so they stay finite. scale > 1e17 means the dominant x and the dominant
 * w of the output lie more than 39·|μ| (log) from y, i.e. not in one term (the far-anchor case of
 * FACTORISED_MIN_SUM): such outputs take the exact per-term formula.
 */
export const FACTORISED_MAX_GRAD_SCALE = 1e17;

/**
 * base^exponent for a literal exponent: the small integers and ½ as multiplications / sqrt, since
 * pow is exp2(y·log2(x)) — two transcendentals — on most GPUs and on SwiftShader, and the root
 * semifield's default p = 2 needs only t², s^{1/2} and (t/y)^1. Bases are ≥ 0 (pow is undefined
 * for negative bases in both languages), so the forms agree up to rounding. `base` may be
 * evaluated more than once; it must be free of side effects (every snippet operand is).
 */
export function powLiteral(base: string, exponent: number, literal: (v: number) => string): string {
  switch (exponent) {
    case 0:
      return literal(1);
    case 0.5:
      return `sqrt(${base})`;
    case 1:
      return `(${base})`;
    case 2:
      return `((${base}) * (${base}))`;
    case 3:
      return `((${base}) * (${base}) * (${base}))`;
    case 4:
      return `(((${base}) * (${base})) * ((${base}) * (${base})))`;
    default:
      return `pow(${base}, ${literal(exponent)})`;
  }
}
