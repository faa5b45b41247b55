import type * as tf from '@tensorflow/tfjs-core';

/** Canonical, JSON-serialisable form of a semifield (what layer configs store). */
export type SemifieldConfigObject =
  | {name: 'maxplus'}
  | {name: 'minplus'}
  | {name: 'linear'}
  | {name: 'log'; mu: number}
  | {name: 'root'; p: number};

/**
 * What users may pass wherever a semifield is expected: a bare name (`'log'` means μ = 1, `'root'`
 * means p = 2) or the object form.
 */
export type SemifieldConfig =
  | 'maxplus'
  | 'minplus'
  | 'linear'
  | 'log'
  | 'root'
  | {name: 'maxplus'}
  | {name: 'minplus'}
  | {name: 'linear'}
  | {name: 'log'; mu?: number}
  | {name: 'root'; p?: number};

/** Target languages of the generated kernel code. */
export type ShaderLanguage = 'glsl' | 'wgsl';

/**
 * Expression templates for one semifield in one shader language. Every function takes operand
 * expressions (strings) and returns an expression; a backend splices them into its kernel template,
 * so no kernel source is written per semifield.
 */
export interface ShaderSnippets {
  /** ⊕ identity 𝟘 as a literal expression. */
  zero: string;
  /** The term x ⊗ w (for root: clamped to the domain, i.e. max(x·w, 0)). */
  term(x: string, w: string): string;
  /** Selection semifields: does term `t` replace the accumulator `acc` (strictly better)? */
  better?(t: string, acc: string): string;
  /** Rescaled invertible semifields: does `t` become the new anchor over anchor `m`? */
  dominates?(t: string, m: string): string;
  /** Rescaled invertible semifields: f(a)/f(m), with a == m giving exactly 1 (covers ±∞). */
  ratio?(a: string, m: string): string;
  /** Rescaled invertible semifields: y from anchor m and rescaled sum s (m == 𝟘 gives 𝟘). */
  finalize?(m: string, s: string): string;
  /** Invertible semifields: ∂y/∂t for the raw (unclamped) term `t` and output `y`. */
  gradWeight?(t: string, y: string): string;
}

interface SemifieldCommon {
  /** Registry name. */
  readonly name: SemifieldConfigObject['name'];
  /** Canonical config (JSON). */
  readonly config: SemifieldConfigObject;
  /** JSON of `config`: stable across calls; the kernel attribute and cache key. */
  readonly key: string;
  /** Human-readable formula of ⊕ and ⊗, for docs and error messages. */
  readonly description: string;
  /** ⊕ identity 𝟘. */
  readonly zero: number;
  /** ⊗ identity 𝟙. */
  readonly one: number;
  /** True when ⊗ is multiplication (∂t/∂x = w, ∂t/∂w = x); false when ⊗ is addition. */
  readonly multiplicative: boolean;
  /** x ⊗ w as a scalar (for root: clamped into the domain, max(x·w, 0)). */
  term(x: number, w: number): number;
  /** a ⊕ b as a scalar (the plain definition; kernels use the stable accumulation below). */
  plus(a: number, b: number): number;
  /** x ⊗ w elementwise on tensors (broadcasting), same clamping as `term`. */
  termTensor(x: tf.Tensor, w: tf.Tensor): tf.Tensor;
  /** Expression templates for generated GPU code. */
  shader(lang: ShaderLanguage): ShaderSnippets;
}

/** max / min style ⊕: the output is one selected term; the gradient follows that term only. */
export interface SelectionSemifield extends SemifieldCommon {
  readonly kind: 'selection';
  /** +1 when ⊕ selects the largest term, −1 when it selects the smallest. */
  readonly direction: 1 | -1;
  /** Does term t strictly beat accumulator acc? (Ties keep the earlier term.) */
  better(t: number, acc: number): boolean;
  /** ⊕-reduce a tensor along `axis` (max or min). */
  reduceTensor(t: tf.Tensor, axis: number): tf.Tensor;
  /** Elementwise `better` on tensors. */
  betterTensor(t: tf.Tensor, acc: tf.Tensor): tf.Tensor;
}

/**
 * ⊕ with an invertible f: y = f⁻¹(Σ f(t)). `accumulation` says how kernels evaluate it stably:
 * `'sum'` for f = identity (linear), `'rescaled'` for an online sum anchored at the dominant term
 * (log: streaming log-sum-exp; root: sum of (t/m)^p).
 */
export interface InvertibleSemifield extends SemifieldCommon {
  readonly kind: 'invertible';
  readonly accumulation: 'sum' | 'rescaled';
  /** Rescaled: does t become the anchor over the current anchor m? */
  dominates(t: number, m: number): boolean;
  /** Rescaled: f(a)/f(m); exactly 1 when a == m (so ±∞ anchors never give NaN). */
  ratio(a: number, m: number): number;
  /** Rescaled: y from anchor m and rescaled sum s; 𝟘 when m is 𝟘. */
  finalize(m: number, s: number): number;
  /** ∂y/∂t_k = f′(t_k)/f′(y) for the raw term t (before clamping); 0 when y is 𝟘. */
  gradWeight(t: number, y: number): number;
  /** Tensor forms of the above (elementwise, broadcasting). */
  dominantTensor(a: tf.Tensor, b: tf.Tensor): tf.Tensor;
  reduceDominantTensor(t: tf.Tensor, axis: number): tf.Tensor;
  ratioTensor(a: tf.Tensor, m: tf.Tensor): tf.Tensor;
  finalizeTensor(m: tf.Tensor, s: tf.Tensor): tf.Tensor;
  gradWeightTensor(t: tf.Tensor, y: tf.Tensor): tf.Tensor;
  /**
   * Two-pass evaluation (used by the composite path): a finite, non-zero stand-in for the dominant
   * term m (m itself where that is finite and usable), so that `scaledTermTensor` needs no guards.
   */
  safeAnchorTensor(m: tf.Tensor): tf.Tensor;
  /** f(t)/f(anchor) without guards: 𝟘 terms give exactly 0, and t ≤ m keeps it ≤ 1 (no overflow). */
  scaledTermTensor(t: tf.Tensor, anchor: tf.Tensor): tf.Tensor;
  /** y from the dominant term m and s = Σ f(t)/f(safeAnchor(m)): finalizeTensor with that anchor. */
  finalizeFromAnchorTensor(m: tf.Tensor, anchor: tf.Tensor, s: tf.Tensor): tf.Tensor;
}

export type Semifield = SelectionSemifield | InvertibleSemifield;
