import type {FactorisedSnippets, Semifield} from '../../src/semifields/types.js';

/*
 * WGSL building blocks generated from a semifield's expression templates (src/semifields/*.ts,
 * `shader('wgsl')`). Programs splice these into their loops; no program contains per-semifield
 * source, so a new semifield needs no change here.
 */

export type AccumulationMode = 'select' | 'rescaled' | 'sum';

export function accumulationMode(sf: Semifield): AccumulationMode {
  if (sf.gradientRule === 'selection') return 'select';
  return sf.accumulation === 'rescaled' ? 'rescaled' : 'sum';
}

/**
 * Per-invocation accumulators for `n` outputs and the ⊕-step on them.
 *
 * - select: best term so far and its flat filter index k. Unless terms arrive in scan order, ties
 *   are broken by the smaller k rather than by visiting order (tiled programs that stream channel
 *   chunks visit chunks before taps); either way the result is the "first in scan order (di, dj, c)"
 *   the CPU kernel defines. arg = −1 (empty window)
 *   never loses a tie, so a window of 𝟘 terms keeps provenance −1 as on the CPU.
 * - rescaled: anchor m (the dominant term) and s = Σ f(t)/f(m), the online log-sum-exp of docs/design.md §5.
 * - sum: a plain running sum (linear).
 */
export class Accumulators {
  readonly mode: AccumulationMode;
  private readonly s: ReturnType<Semifield['shader']>;

  /**
   * @param inScanOrder Terms arrive in the scan order (di, dj, c) of the provenance definition, so
   *     a strict comparison keeps the first of equal terms and the k tie-break can be left out.
   */
  constructor(
    readonly sf: Semifield,
    readonly n: number,
    readonly inScanOrder = false,
  ) {
    this.mode = accumulationMode(sf);
    this.s = sf.shader('wgsl');
  }

  /** ⊕ identity as a WGSL expression. */
  get zero(): string {
    return this.s.zero;
  }

  /** x ⊗ w as the semifield defines it (root clamps to its domain). */
  term(x: string, w: string): string {
    return this.s.term(x, w);
  }

  declare(): string {
    const {n, zero} = this;
    switch (this.mode) {
      case 'select':
        return `var acc : array<f32, ${n}>; var arg : array<i32, ${n}>;
        for (var q = 0; q < ${n}; q++) { acc[q] = ${zero}; arg[q] = -1; }`;
      case 'rescaled':
        return `var acc : array<f32, ${n}>; var sum : array<f32, ${n}>;
        for (var q = 0; q < ${n}; q++) { acc[q] = ${zero}; sum[q] = 0.0; }`;
      case 'sum':
        return `var acc : array<f32, ${n}>;
        for (var q = 0; q < ${n}; q++) { acc[q] = ${zero}; }`;
    }
  }

  /** Fold term `t` (flat filter index `k`, used by select only) into accumulator `q`. */
  accumulate(q: string, t: string, k: string): string {
    const s = this.s;
    switch (this.mode) {
      case 'select': {
        // Branch-free: SwiftShader (and GPUs) run both sides of a divergent branch anyway.
        const wins = this.inScanOrder
          ? s.better!(t, `acc[${q}]`)
          : `(${s.better!(t, `acc[${q}]`)} | ((${t} == acc[${q}]) & (${k} < arg[${q}])))`;
        return `{ let wins = ${wins}; acc[${q}] = select(acc[${q}], ${t}, wins); arg[${q}] = select(arg[${q}], ${k}, wins); }`;
      }
      case 'rescaled':
        return `if (${t} != ${s.zero}) {
          if (${s.dominates!(t, `acc[${q}]`)}) {
            sum[${q}] = sum[${q}] * ${s.ratio!(`acc[${q}]`, t)} + 1.0;
            acc[${q}] = ${t};
          } else {
            sum[${q}] = sum[${q}] + ${s.ratio!(t, `acc[${q}]`)};
          }
        }`;
      case 'sum':
        return `acc[${q}] = acc[${q}] + ${t};`;
    }
  }

  /** The output value of accumulator `q` (select: the selected term; programs emit arg instead). */
  result(q: string): string {
    return this.mode === 'rescaled' ? this.s.finalize!(`acc[${q}]`, `sum[${q}]`) : `acc[${q}]`;
  }

  /** ∂y/∂t for the raw (unclamped) term `t` and output `y` (invertible semifields). */
  gradWeight(t: string, y: string): string {
    return this.s.gradWeight!(t, y);
  }

  /**
   * One term's gradient dy · ∂y/∂t · ∂t/∂a (invertible semifields), `g` the upstream gradient, `t`
   * the raw term, `y` the output and `b` the partner operand (∂t/∂a for ⊗ = ·; unused for ⊗ = +).
   * With ⊗ = · a term of weight 0 adds nothing, even when b is ±∞ (0 · ∞ would be NaN; issue 15),
   * and a semifield whose weight alone can underflow where weight · b cannot (root p < 1) forms the
   * product itself (ShaderSnippets.gradWeightTimes). `y` may go unread (linear: weight 1).
   */
  gradTerm(g: string, t: string, y: string, b: string): string {
    const s = this.s;
    if (!this.sf.multiplicative) return `(${g} * ${s.gradWeight!(t, y)})`;
    if (s.gradWeightTimes != null) return `(${g} * ${s.gradWeightTimes(t, y, b)})`;
    const gt = `(${g} * ${s.gradWeight!(t, y)})`;
    return `select(${gt} * ${b}, 0.0, ${gt} == 0.0)`;
  }

  /**
   * Does ∂y/∂t depend on y (and t)? Not for linear (constant 1); programs then leave y, and the
   * operands only needed for t, unbound — WebGPU's automatic layout drops unused bindings.
   */
  get gradWeightReadsY(): boolean {
    return this.s.gradWeight != null && this.s.gradWeight('__t__', '__y__').includes('__y__');
  }

  /** The raw term whose derivative the gradient rule is written for: x·w or x + w. */
  rawTerm(x: string, w: string): string {
    return this.sf.multiplicative ? `(${x} * ${w})` : `(${x} + ${w})`;
  }
}

/** A short, shader-key-safe tag for the semifield (its canonical key, stripped). */
export function semifieldTag(sf: Semifield): string {
  return sf.key.replace(/[^A-Za-z0-9.-]+/g, '_');
}

/** The semifield's factorised form in WGSL (log, root p > 0), or undefined where it has none. */
export function factorisedSnippets(sf: Semifield): FactorisedSnippets | undefined {
  return sf.gradientRule === 'invertible' && sf.accumulation === 'rescaled' ? sf.shader('wgsl').factorised : undefined;
}

/**
 * `isFiniteF32(v)`: v is neither ±∞ nor NaN, tested on the bits. WGSL lets an implementation assume
 * that floats are finite, so comparisons cannot be trusted to detect NaN; integer operations can.
 */
export const isFiniteSnippet = `
  fn isFiniteF32(v : f32) -> bool {
    return (bitcast<u32>(v) & 0x7f800000u) != 0x7f800000u;
  }
`;

/**
 * `exactOutput(b, i, j, o) -> f32`: one output by the semifield's own accumulation over its window,
 * terms in scan order (di, dj, c) — the direct program's loop for a single output. Programs that
 * compute most outputs by a faster formulation (factorised sums, tiled products) call it for the
 * few outputs that formulation cannot vouch for (non-finite operands, underflowed sums). Reads
 * `x` and `w` and the geometry uniforms; `y` of a selection semifield is its selected term.
 */
export function exactOutputSnippet(sf: Semifield): string {
  const acc = new Accumulators(sf, 1, true);
  return `
    fn exactOutput(b : i32, i : i32, j : i32, o : i32) -> f32 {
      let H = uniforms.xShape.y;
      let W = uniforms.xShape.z;
      let Cin = uniforms.xShape.w;
      let Cout = uniforms.wShape.w;
      let kw = uniforms.filterHW.y;
      let cpg = uniforms.cpg;
      let cBase = (o / uniforms.opg) * cpg;
      ${acc.declare()}
      for (var di = 0; di < uniforms.filterHW.x; di++) {
        let ih = i * uniforms.strides.x + di * uniforms.dilations.x - uniforms.pads.x;
        if ((ih < 0) | (ih >= H)) { continue; }
        for (var dj = 0; dj < kw; dj++) {
          let iw = j * uniforms.strides.y + dj * uniforms.dilations.y - uniforms.pads.y;
          if ((iw < 0) | (iw >= W)) { continue; }
          let xBase = ((b * H + ih) * W + iw) * Cin + cBase;
          let kBase = (di * kw + dj) * cpg;
          for (var c = 0; c < cpg; c++) {
            let k = kBase + c;
            let t = ${acc.term('x[xBase + c]', 'w[k * Cout + o]')};
            ${acc.accumulate('0', 't', 'k')}
          }
        }
      }
      return ${acc.result('0')};
    }`;
}

/**
 * WGSL computing `anchor` and `finite` (vars) for output pixel (b, i, j) and group g of a window
 * from ChannelAnchorProgram's per-pixel anchors (`channelAnchor`, [B, H, W, 2·groups]): kh·kw
 * reads. Needs b, i, j, g, H, W and the geometry uniforms in scope; `groups` names the group count.
 * Shared by GradFactorProgram and the forward's WindowAnchorProgram.
 */
export function windowAnchorSnippet(f: FactorisedSnippets, groups: string): string {
  return `var anchor = ${f.anchorInit};
      var finite = true;
      for (var di = 0; di < uniforms.filterHW.x; di++) {
        let ih = i * uniforms.strides.x + di * uniforms.dilations.x - uniforms.pads.x;
        if ((ih < 0) | (ih >= H)) { continue; }
        for (var dj = 0; dj < uniforms.filterHW.y; dj++) {
          let iw = j * uniforms.strides.y + dj * uniforms.dilations.y - uniforms.pads.y;
          if ((iw < 0) | (iw >= W)) { continue; }
          let at = (((b * H + ih) * W + iw) * ${groups} + g) * 2;
          anchor = ${f.combineAnchors('anchor', 'channelAnchor[at]')};
          finite = finite & (channelAnchor[at + 1] > 0.5);
        }
      }`;
}
