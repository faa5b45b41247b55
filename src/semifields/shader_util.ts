import type {ShaderLanguage} from './types.js';

/** `cond ? ifTrue : ifFalse` in the target language (WGSL spells it select(f, t, cond)). */
export function ternary(lang: ShaderLanguage, cond: string, ifTrue: string, ifFalse: string): string {
  return lang === 'glsl' ? `((${cond}) ? (${ifTrue}) : (${ifFalse}))` : `select(${ifFalse}, ${ifTrue}, ${cond})`;
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
