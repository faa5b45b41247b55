import type * as tf from '@tensorflow/tfjs-core';

/** Canonical, JSON-serialisable form of a semifield (what layer configs store). */
export type SemifieldConfigObject =
  {name: 'maxplus'} | {name: 'minplus'} | {name: 'linear'} | {name: 'log'; mu: number} | {name: 'root'; p: number};

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

/**
 * A semifield registered with registerSemifield: its name (bare) or {name, ...params}. (The
 * `string & {}` keeps editor completion of the built-in names.)
 */
export type CustomSemifieldConfig = (string & {}) | {name: string & {}; [param: string]: number | string};

/** Anything a semifield argument accepts by name: a built-in config or a registered one. */
export type AnySemifieldConfig = SemifieldConfig | CustomSemifieldConfig;

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
  /**
   * Invertible semifields with ⊗ = · (optional): ∂y/∂t · b, b the partner operand (∂t/∂a), where
   * the weight ∂y/∂t alone underflows float32 although the product does not (root p < 1: a weight
   * of 1e-48 times a partner of 1e31). 0 wherever ∂y/∂t is 0, whatever b (a zero-weight term adds
   * nothing, even with b = ±∞). Absent: kernels form gradWeight(t, y) · b, skipping zero weights.
   */
  gradWeightTimes?(t: string, y: string, b: string): string;
  /**
   * Rescaled semifields whose f(x ⊗ w) splits into an x factor times a w factor (log, root p > 0);
   * absent where it does not (or not stably). See {@link FactorisedSnippets}.
   */
  factorised?: FactorisedSnippets;
}

/**
 * The factorised form of a rescaled sum: with an anchor X over the x values of a window and an
 * anchor W over the filter entries of one output channel,
 *
 *     f(x ⊗ w) / f(X ⊗ W) = Σ_part factorPart(x, factor(x, X), part) · factorPart(w, factor(w, W), part)
 *
 * with every factor in [0, 1] (log: one part, e^{(x−X)/μ}·e^{(w−W)/μ}; root: the positive and the
 * negative operand pairs, (|x|/X)^p·(|w|/W)^p, since a term x·w < 0 is clamped to 0). A kernel then
 * pays one transcendental per input value per window and per filter entry, shared by every output
 * channel, and sums products; y = finalize(X, W, s). Below `minSum` (the anchors are far from the
 * dominant term, so products may have underflowed) or for non-finite operands the kernel must
 * recompute the output with the online rescaled sum.
 */
export interface FactorisedSnippets {
  /** How many products per term pair (1 or 2). */
  parts: number;
  /** The quantity whose dominant value over a set of operands is their anchor (log: v, root: |v|). */
  anchorOf(v: string): string;
  /** Anchor of an empty set (identity of `combineAnchors`). */
  anchorInit: string;
  /** The dominant of two anchors. */
  combineAnchors(a: string, b: string): string;
  /** The one transcendental of operand v against its anchor, in [0, 1] for finite operands. */
  factor(v: string, anchor: string): string;
  /** Part `part` of operand v's factor f (root: f where v has the part's sign, else 0). */
  factorPart(v: string, f: string, part: number): string;
  /**
   * For two parts that no operand shares (root: by its sign), whether v belongs to part 0; an
   * operand in neither has factor 0 in both. A kernel that knows one operand of each product ahead
   * then selects the other operand's factor of that part — one multiply-add per term, not two.
   */
  inFirstPart?(v: string): string;
  /** y from the two anchors and s = Σ products (valid for s ≥ minSum). */
  finalize(xAnchor: string, wAnchor: string, s: string): string;
  /** Smallest s for which `finalize` is used (a float literal); below it, the exact fallback. */
  minSum: string;
  /**
   * Replaces the anchor of a set whose anchor is still anchorInit (an empty window, or for root a
   * window or filter channel of zeros), so that factor() stays defined: every factor of such a set
   * is 0 anyway (log: no terms; root: zero operands), and its outputs are 𝟘 (log 0, root 1).
   */
  emptyAnchor: string;
  /**
   * The factorised gradient (log; root p ≥ 1). For a term t = x ⊗ w of output y, the gradient
   * dy·∂y/∂t·∂t/∂a by one operand a (own, anchor A) with partner operand b (anchor B) is
   *
   *     Σ_part ownPart(a, own(a, A), part) · factorPart(b, factor(b, B), part) · R_a,
   *     R_a = dy · scale(X, W, y) · partnerWeight(B)
   *
   * (log: own = factor, one part, weight 1: e^{(x+w−y)/μ} = e^{(x−X)/μ}·e^{(w−W)/μ}·e^{(X+W−y)/μ};
   * root: own(a, A) = (|a|/A)^{p−1}, weight B, scale (X·W/y)^{p−1}, the parts the equal-sign
   * pairs with the sign of ∂t/∂a = b in ownPart, since t = x·w < 0 is clamped and gets 0). So the
   * backward kernels pay one transcendental per operand per window instead of one per term, and a
   * pre-pass one per output for R. Absent where it does not split with factors in [0, 1] (root
   * p < 1: (|a|/A)^{p−1} is unbounded).
   */
  grad?: {
    /** The output's scale, one transcendental per output (log: e^{(X+W−y)/μ}). */
    scale(xAnchor: string, wAnchor: string, y: string): string;
    /** Largest scale a kernel trusts (a float literal); above it, the exact per-term formula. */
    maxScale: string;
    /** own(a, A) in [0, 1]: the factor of the operand the derivative is taken by. */
    own(v: string, anchor: string): string;
    /** Part `part` of own(v) = f, signed as ∂t/∂v's sign in that part (root: −f for negative pairs). */
    ownPart(v: string, f: string, part: number): string;
    /** The multiplier of R by the partner's anchor (root: B); absent means 1. */
    partnerWeight?(partnerAnchor: string): string;
  };
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
  /**
   * True for a registered semifield without scalar / shader forms (or whose rule the fused kernels
   * do not cover): the op then runs the composite path on every backend.
   */
  readonly compositeOnly?: boolean;
}

/** max / min style ⊕: the output is one selected term; the gradient follows that term only. */
export interface SelectionSemifield extends SemifieldCommon {
  /**
   * How ⊕ is differentiated (docs/design.md §4): 'selection' routes the gradient to the selected
   * term (kernels return its provenance); 'invertible' weights every term by f′(t)/f′(y).
   */
  readonly gradientRule: 'selection';
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
  /** See {@link SelectionSemifield.gradientRule}. */
  readonly gradientRule: 'invertible';
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
