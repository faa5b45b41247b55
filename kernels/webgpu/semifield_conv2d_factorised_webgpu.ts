import type {SemifieldConvInfo} from '../../src/ops/conv_info.js';
import type {FactorisedSnippets, Semifield} from '../../src/semifields/types.js';
import {exactOutputSnippet, factorisedSnippets, isFiniteSnippet, semifieldTag} from './semifield_wgsl.js';
import {
  ceilDiv,
  flatWorkgroupIndexSnippet,
  geometryUniformDecl,
  geometryUniforms,
  type ProgramUniform,
  type WebGPUProgram,
} from './webgpu_util.js';

/*
 * Factorised forward programs of SemifieldConv2D for the rescaled semifields that have a factorised
 * form (log, root p > 0; FactorisedSnippets in src/semifields/types.ts).
 *
 * The online rescaled sum (SemifieldConv2DDirectProgram) pays a transcendental and a branchy
 * anchor update per term, i.e. per (tap, input channel, output channel). Factorised,
 *
 *     f(x ⊗ w) = factor(x, X) · factor(w, W_o) · f(X ⊗ W_o)
 *
 * with X the anchor of the window's x values (per output pixel and group) and W_o that of output
 * channel o's filter, so an invocation that owns `px` pixels × `oc` output channels pays one
 * transcendental per x value per pixel, shared by its oc channels; the filter factors come from
 * ScaledFilterProgram (one pass over the filter per call); what remains is px·oc multiply-adds per
 * (tap, input channel), a linear convolution's inner loop. y = finalize(X, W_o, s).
 *
 * Exactness: every factor is in [0, 1], so nothing overflows. An output is recomputed with the
 * online rescaled sum of docs/design.md §5 (exactOutput below, the direct program's loop for one output)
 * when its window or its filter channel holds a non-finite value (±∞ terms, 𝟘 operands, NaN: the
 * online sum's comparisons define those outputs), when s < minSum (the dominant term is far below
 * the anchors, so products may have underflowed; FACTORISED_MIN_SUM says why 1e-20), or when the
 * factorised y is not finite. Those outputs cost a second pass over their window; on ordinary data
 * there are none.
 */

/**
 * The filter factors and anchors, one invocation per output channel o: output rows
 * k·parts + part hold factorPart(w_k, factor(w_k, W_o), part) for filter row k (flat di, dj, c), 0
 * throughout a column with a non-finite entry,
 * row K·parts holds the anchor W_o, row K·parts + 1 holds 1 if the column is all finite, else 0, and
 * row K·parts + 2 holds 1 if the column has an entry outside the first part (root: w < 0).
 * K·Cout work per call, against K·Cout·B·OH·OW for the convolution.
 */
/** Rows of ScaledFilterProgram's output after the K·parts factor rows (anchor, finite, later part). */
export const SCALED_FILTER_EXTRA_ROWS = 3;

export class ScaledFilterProgram implements WebGPUProgram {
  outputShape: number[];
  shaderKey: string;
  dispatchLayout: {x: number[]};
  dispatch: [number, number, number];
  variableNames = ['w'];
  // One workgroup per output channel: its 64 invocations stride over the K filter rows, reduce the
  // anchor through workgroup memory, then write the factors. (One invocation per channel walking K
  // twice is a handful of long serial loops; docs/webgpu.md, "Measured decisions".)
  workgroupSize: [number, number, number] = [64, 1, 1];
  private readonly f: FactorisedSnippets;

  constructor(sf: Semifield, info: SemifieldConvInfo) {
    const f = factorisedSnippets(sf);
    if (f == null) throw new Error(`ScaledFilterProgram: ${sf.key} has no factorised form`);
    this.f = f;
    const rows = info.filterHeight * info.filterWidth * info.inChannelsPerGroup;
    this.outputShape = [rows * f.parts + SCALED_FILTER_EXTRA_ROWS, info.outChannels];
    this.dispatchLayout = {x: [0, 1]};
    this.dispatch = [info.outChannels, 1, 1];
    this.shaderKey = `semifieldScaledFilter_${semifieldTag(sf)}`;
  }

  getUserCode(): string {
    const {f} = this;
    // A column with a non-finite entry gets factors 0 (not NaN): its outputs take the exact path
    // anyway, and the backward kernels can then read the factors without a test.
    const parts = Array.from(
      {length: f.parts},
      (_, part) =>
        `result[(k * ${f.parts} + ${part}) * Cout + o] = select(0.0, ${f.factorPart('v', 'fv', part)}, finite);`,
    );
    // Row K·parts + 2: does the column have an entry outside the first part (root: w < 0)? Where
    // no column of a tile has one, the implicit-GEMM program skips the other parts' products.
    const laterPart =
      f.parts > 1 && f.inFirstPart != null ? `later = later | (!${f.inFirstPart('v')} & (v != 0.0));` : '';
    return `
    ${isFiniteSnippet}
    ${flatWorkgroupIndexSnippet}
    var<workgroup> anchors : array<f32, 64>;
    var<workgroup> finites : array<u32, 64>;
    var<workgroup> laters : array<u32, 64>;
    fn main(index : i32) {
      let Cout = uniforms.wShape.w;
      let K = uniforms.wShape.x * uniforms.wShape.y * uniforms.wShape.z;
      let o = flatWorkgroupIndex();
      let t = i32(localIndex);
      var anchor = ${f.anchorInit};
      var fin = true;
      var later = false;
      if (o < Cout) {
        for (var k = t; k < K; k = k + 64) {
          let v = w[k * Cout + o];
          anchor = ${f.combineAnchors('anchor', f.anchorOf('v'))};
          fin = fin & isFiniteF32(v);
          ${laterPart}
        }
      }
      anchors[t] = anchor;
      finites[t] = select(0u, 1u, fin);
      laters[t] = select(0u, 1u, later);
      workgroupBarrier();
      for (var stride = 32; stride > 0; stride = stride / 2) {
        if (t < stride) {
          let a = anchors[t];
          let b = anchors[t + stride];
          anchors[t] = ${f.combineAnchors('a', 'b')};
          finites[t] = finites[t] & finites[t + stride];
          laters[t] = laters[t] | laters[t + stride];
        }
        workgroupBarrier();
      }
      if (o >= Cout) { return; }
      // A channel of 𝟘 anchors (root: all zeros) would give 0 / 0 factors; all its factors are 0.
      var a0 = anchors[0];
      a0 = select(a0, ${f.emptyAnchor}, a0 == ${f.anchorInit});
      let finite = finites[0] == 1u;
      for (var k = t; k < K; k = k + 64) {
        let v = w[k * Cout + o];
        let fv = ${f.factor('v', 'a0')};
        ${parts.join('\n        ')}
      }
      if (t == 0) {
        result[K * ${f.parts} * Cout + o] = a0;
        result[(K * ${f.parts} + 1) * Cout + o] = select(0.0, 1.0, finite);
        result[(K * ${f.parts} + 2) * Cout + o] = select(0.0, 1.0, laters[0] != 0u);
      }
    }`;
  }
}

/**
 * The factorised convolution: invocations over (b, i, j-block, group, o-block) with the o-block
 * fastest, so neighbouring invocations read the same x words and neighbouring filter factors. Two
 * passes over the window: the x anchor of each of the px pixels, then the products.
 */
export class SemifieldConv2DFactorisedProgram implements WebGPUProgram {
  outputShape: number[];
  shaderKey: string;
  dispatchLayout: {x: number[]};
  dispatch: [number, number, number];
  variableNames = ['x', 'w', 'wf'];
  uniforms = `${geometryUniformDecl}jBlocks : i32, oBlocks : i32, `;
  workgroupSize: [number, number, number] = [64, 1, 1];
  readonly uniformData: ProgramUniform[];
  private readonly f: FactorisedSnippets;

  /**
   * @param px output pixels per invocation (along the width)
   * @param oc output channels per invocation (within one group)
   */
  constructor(
    private readonly sf: Semifield,
    info: SemifieldConvInfo,
    private readonly px = 8,
    private readonly oc = 4,
  ) {
    const f = factorisedSnippets(sf);
    if (f == null) throw new Error(`SemifieldConv2DFactorisedProgram: ${sf.key} has no factorised form`);
    this.f = f;
    this.outputShape = [info.batch, info.outHeight, info.outWidth, info.outChannels];
    const jBlocks = ceilDiv(info.outWidth, px);
    const oBlocks = ceilDiv(info.outChannelsPerGroup, oc);
    this.dispatchLayout = {x: [0, 1, 2, 3]};
    this.dispatch = [ceilDiv(info.batch * info.outHeight * jBlocks * info.groups * oBlocks, 64), 1, 1];
    this.uniformData = [...geometryUniforms(info), {type: 'int32', data: [jBlocks]}, {type: 'int32', data: [oBlocks]}];
    this.shaderKey = `semifieldConv2DFactorised_${semifieldTag(sf)}_px${px}_oc${oc}`;
  }

  getUserCode(): string {
    const {f, px: PX, oc: OC} = this;
    const P = f.parts;
    const anchorLines: string[] = [];
    const productLines: string[] = [];
    const filterReads: string[] = [];
    for (let oo = 0; oo < OC; oo++) {
      for (let part = 0; part < P; part++) {
        filterReads.push(`let wk${part}_${oo} = wf[(k * ${P} + ${part}) * Cout + min(o0 + ${oo}, Cout - 1)];`);
      }
    }
    for (let p = 0; p < PX; p++) {
      anchorLines.push(`if (inside[${p}]) {
                let v = x[xAt[${p}] + c];
                xa[${p}] = ${f.combineAnchors(`xa[${p}]`, f.anchorOf('v'))};
                finite[${p}] = finite[${p}] & isFiniteF32(v);
              }`);
      const sums: string[] = [];
      for (let oo = 0; oo < OC; oo++) {
        const products = Array.from({length: P}, (_, part) => `xf${part} * wk${part}_${oo}`).join(' + ');
        sums.push(`s[${p * OC + oo}] = s[${p * OC + oo}] + ${products};`);
      }
      const parts = Array.from({length: P}, (_, part) => `let xf${part} = ${f.factorPart('v', 'fv', part)};`);
      productLines.push(`if (inside[${p}]) {
                let v = x[xAt[${p}] + c];
                let fv = ${f.factor('v', `xa[${p}]`)};
                ${parts.join('\n                ')}
                ${sums.join('\n                ')}
              }`);
    }
    const writes: string[] = [];
    for (let p = 0; p < PX; p++) {
      for (let oo = 0; oo < OC; oo++) {
        const q = p * OC + oo;
        writes.push(`if ((j0 + ${p} < OW) & (oig0 + ${oo} < opg)) {
        let sv = s[${q}];
        var yv = ${f.finalize(`xa[${p}]`, `wAnchor[${oo}]`, 'sv')};
        if (!(finite[${p}] & wFinite[${oo}] & isFiniteF32(sv) & (sv >= ${f.minSum}) & isFiniteF32(yv))) {
          yv = exactOutput(b, i, j0 + ${p}, o0 + ${oo});
        }
        result[((b * OH + i) * OW + j0 + ${p}) * Cout + o0 + ${oo}] = yv;
      }`);
      }
    }
    // The window loop shared by both passes and the fallback: per tap, which pixels are inside
    // the image and where their x words start.
    const windowLoop = (body: string) => `
      for (var di = 0; di < uniforms.filterHW.x; di++) {
        let ih = i * uniforms.strides.x + di * uniforms.dilations.x - uniforms.pads.x;
        if ((ih < 0) | (ih >= H)) { continue; }
        for (var dj = 0; dj < kw; dj++) {
          for (var p = 0; p < ${PX}; p++) {
            let iw = (j0 + p) * uniforms.strides.y + dj * uniforms.dilations.y - uniforms.pads.y;
            inside[p] = (iw >= 0) & (iw < W) & (j0 + p < OW);
            xAt[p] = ((b * H + ih) * W + iw) * Cin + cBase;
          }
          let kBase = (di * kw + dj) * cpg;
          ${body}
        }
      }`;
    return `
    ${isFiniteSnippet}

    // One output by the online rescaled sum (docs/design.md §5), terms in scan order: the exact fallback.
    ${exactOutputSnippet(this.sf)}

    fn main(index : i32) {
      let H = uniforms.xShape.y;
      let W = uniforms.xShape.z;
      let Cin = uniforms.xShape.w;
      let OH = uniforms.outShape.y;
      let OW = uniforms.outShape.z;
      let Cout = uniforms.outShape.w;
      let kw = uniforms.filterHW.y;
      let cpg = uniforms.cpg;
      let opg = uniforms.opg;
      let groups = Cout / opg;
      if (index >= uniforms.outShape.x * OH * uniforms.jBlocks * groups * uniforms.oBlocks) { return; }
      let oig0 = (index % uniforms.oBlocks) * ${OC};
      var r = index / uniforms.oBlocks;
      let g = r % groups;
      r = r / groups;
      let j0 = (r % uniforms.jBlocks) * ${PX};
      r = r / uniforms.jBlocks;
      let i = r % OH;
      let b = r / OH;
      let cBase = g * cpg;
      let o0 = g * opg + oig0;
      let K = uniforms.filterHW.x * kw * cpg;
      var wAnchor : array<f32, ${OC}>;
      var wFinite : array<bool, ${OC}>;
      for (var oo = 0; oo < ${OC}; oo++) {
        let o = min(o0 + oo, Cout - 1);
        wAnchor[oo] = wf[K * ${P} * Cout + o];
        wFinite[oo] = wf[(K * ${P} + 1) * Cout + o] > 0.5;
      }
      var inside : array<bool, ${PX}>;
      var xAt : array<i32, ${PX}>;
      var xa : array<f32, ${PX}>;
      var finite : array<bool, ${PX}>;
      for (var p = 0; p < ${PX}; p++) { xa[p] = ${f.anchorInit}; finite[p] = true; }
      ${windowLoop(`for (var c = 0; c < cpg; c++) {
            ${anchorLines.join('\n            ')}
          }`)}
      var s : array<f32, ${PX * OC}>;
      ${windowLoop(`for (var c = 0; c < cpg; c++) {
            let k = kBase + c;
            ${filterReads.join('\n            ')}
            ${productLines.join('\n            ')}
          }`)}
      ${writes.join('\n      ')}
    }`;
  }
}
