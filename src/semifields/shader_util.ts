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
