import {SCALED_FILTER_EXTRA_ROWS} from './semifield_conv2d_factorised_webgpu.js';
import type {SemifieldConvInfo} from '../../src/ops/conv_info.js';
import type {Semifield} from '../../src/semifields/types.js';
import {factorisedGradSnippets, gradFactorLayout} from './semifield_conv2d_grad_scale_webgpu.js';
import {Accumulators, isFiniteSnippet, semifieldTag} from './semifield_wgsl.js';
import {
  ceilDiv,
  geometryUniformDecl,
  geometryUniforms,
  type ProgramUniform,
  type WebGPUProgram,
} from './webgpu_util.js';

/*
 * dL/dx as a gather with the factorised gradient (log, root p ≥ 1, on layers with several output
 * channels per group; semifield_conv2d_grad_scale_webgpu.ts for the factorisation and its inputs):
 *
 *     dx[b,ih,iw,c] = Σ_taps Σ_part ownPart(x, own(x, A_{p(t)}), part) · Σ_o factorPart(w_{t,c,o}, factor(w, W_o), part) · R_{p(t),o}
 *                     +  exact terms,
 *
 * p(t) the output pixel whose window holds the input pixel at tap t, the exact terms dy·∂y/∂t by
 * the per-term formula for the outputs whose R is +∞ (root has two parts, the positive and the
 * negative operand pairs, so two sums over o). The layout is SemifieldConv2DBackpropInput-
 * Program's (px input pixels × cb input channels per invocation, a fixed-order gather: no atomics),
 * but the transcendental is paid once per (input element, tap), not per (element, tap, output
 * channel); the sum over output channels is multiply-adds of the filter factors
 * (ScaledFilterProgram, the forward's pre-pass) and R.
 */
export class SemifieldConv2DBackpropInputFactorisedProgram implements WebGPUProgram {
  outputShape: number[];
  shaderKey: string;
  dispatchLayout: {x: number[]};
  dispatch: [number, number, number];
  variableNames = ['dy', 'y', 'x', 'w', 'gradFactor', 'wf'];
  uniforms = `${geometryUniformDecl}outHW : vec2<i32>, wBlocks : i32, `;
  workgroupSize: [number, number, number] = [64, 1, 1];
  readonly uniformData: ProgramUniform[];
  private readonly acc: Accumulators;
  private readonly cb: number;
  /** Both strides 1: output coordinates are input coordinates shifted, no division or modulo. */
  private readonly unitStride: boolean;

  /** @param px input pixels per invocation (along the width) */
  constructor(
    private readonly sf: Semifield,
    info: SemifieldConvInfo,
    private readonly px = 4,
  ) {
    if (factorisedGradSnippets(sf) == null)
      throw new Error(`SemifieldConv2DBackpropInputFactorisedProgram: ${sf.key} has no factorised gradient`);
    const {batch, inHeight, inWidth, inChannels} = info;
    this.outputShape = [batch, inHeight, inWidth, inChannels];
    this.acc = new Accumulators(sf, 1);
    const cpg = info.inChannelsPerGroup;
    this.cb = cpg % 4 === 0 ? 4 : cpg % 2 === 0 ? 2 : 1;
    this.dispatchLayout = {x: [0, 1, 2, 3]};
    const wBlocks = ceilDiv(inWidth, px);
    this.dispatch = [ceilDiv(batch * inHeight * wBlocks * (inChannels / this.cb), 64), 1, 1];
    this.uniformData = [
      ...geometryUniforms(info),
      {type: 'int32', data: [info.outHeight, info.outWidth]},
      {type: 'int32', data: [wBlocks]},
    ];
    this.unitStride = info.strideHeight === 1 && info.strideWidth === 1;
    this.shaderKey = `semifieldConv2DBackpropInputFactorised_${semifieldTag(sf)}_px${px}_cb${this.cb}${this.unitStride ? '_s1' : ''}`;
  }

  getUserCode(): string {
    const {acc, px: PX, cb: CB} = this;
    const f = factorisedGradSnippets(this.sf)!;
    const P = f.parts;
    const E = PX * CB;
    // Exclusive parts (root: by sign): x is known per element, so each term needs only the filter
    // factor of x's part — one accumulator and one multiply-add per term instead of one per part.
    const exclusive = P === 2 && f.inFirstPart != null;
    const sums = exclusive ? 1 : P;
    const perOutput: string[] = [];
    const exactPerOutput: string[] = [];
    const xFactors: string[] = [];
    for (let p = 0; p < PX; p++) {
      const fast: string[] = [];
      const exact: string[] = [];
      const factors: string[] = [];
      for (let q = 0; q < CB; q++) {
        const e = p * CB + q;
        if (exclusive) fast.push(`s[${e}] = s[${e}] + select(wfv[${CB + q}], wfv[${q}], xFirst[${e}]) * rf;`);
        else
          for (let part = 0; part < P; part++)
            fast.push(`s[${part * E + e}] = s[${part * E + e}] + wfv[${part * CB + q}] * rf;`);
        const wv = `w[(k0 + ${q}) * Cout + o]`;
        exact.push(`exactD[${e}] = exactD[${e}] + ${acc.gradTerm('g', acc.rawTerm(`xv[${e}]`, wv), 'yv', wv)};`);
        const ownParts = Array.from({length: P}, (_, part) => f.grad.ownPart(`xv[${e}]`, 'own', part));
        factors.push(
          `{ let own = ${f.grad.own(`xv[${e}]`, 'xa')}; ${
            exclusive
              ? `xo[${e}] = ${ownParts.join(' + ')};`
              : ownParts.map((o, part) => `xo[${part * E + e}] = ${o};`).join(' ')
          } }`,
        );
      }
      // Branch-free fast path over rFast (the exact outputs' R is 0 there; an output the pixel
      // misses contributes 0 through the select); the exact terms are added after the loop over
      // output channels (below).
      perOutput.push(`{
              let rf = select(0.0, gradFactor[yAt[${p}] + oo], hits[${p}]);
              ${fast.join('\n              ')}
            }`);
      exactPerOutput.push(`if (hits[${p}] & !isFiniteF32(gradFactor[rExactBase + yAt[${p}] + oo])) {
              let g = dy[yAt[${p}] + oo];
              let yv = y[yAt[${p}] + oo];
              ${exact.join('\n              ')}
            }`);
      // A non-finite anchor marks every R of that output pixel +∞ (s stays 0): skip its factors.
      xFactors.push(`anchorOk[${p}] = false;
          if (hits[${p}]) {
            let xa = gradFactor[aBase + aAt[${p}]];
            anchorOk[${p}] = isFiniteF32(xa);
            ${factors.join('\n            ')}
          }`);
    }
    return `
    ${isFiniteSnippet}
    fn main(index : i32) {
      let H = uniforms.outShape.y;
      let W = uniforms.outShape.z;
      let Cin = uniforms.outShape.w;
      let OH = uniforms.outHW.x;
      let OW = uniforms.outHW.y;
      let Cout = uniforms.dyShape.w;
      let cpg = uniforms.cpg;
      let opg = uniforms.opg;
      let groups = Cout / opg;
      let kw = uniforms.filterHW.y;
      let filterRows = uniforms.wfShape.x - ${SCALED_FILTER_EXTRA_ROWS};
      ${gradFactorLayout}
      let cBlocks = Cin / ${CB};
      if (index >= uniforms.outShape.x * H * uniforms.wBlocks * cBlocks) { return; }
      let cin = (index % cBlocks) * ${CB};
      var r = index / cBlocks;
      let iw0 = (r % uniforms.wBlocks) * ${PX};
      r = r / uniforms.wBlocks;
      let ih = r % H;
      let b = r / H;
      let grp = cin / cpg;
      let c = cin % cpg;
      var xv : array<f32, ${PX * CB}>;
      for (var p = 0; p < ${PX}; p++) {
        for (var q = 0; q < ${CB}; q++) { xv[p * ${CB} + q] = x[((b * H + ih) * W + min(iw0 + p, W - 1)) * Cin + cin + q]; }
      }
      var d : array<f32, ${PX * CB}>;
      var exactD : array<f32, ${PX * CB}>;
      var xo : array<f32, ${sums * E}>;
      var s : array<f32, ${sums * E}>;
      ${
        exclusive
          ? `var xFirst : array<bool, ${E}>;
      for (var e = 0; e < ${E}; e++) { xFirst[e] = ${f.inFirstPart!('xv[e]')}; }`
          : ''
      }
      var hits : array<bool, ${PX}>;
      var anchorOk : array<bool, ${PX}>;
      var yAt : array<i32, ${PX}>;
      var aAt : array<i32, ${PX}>;
      for (var di = 0; di < uniforms.filterHW.x; di++) {
        let ti = ih + uniforms.pads.x - di * uniforms.dilations.x;
        ${
          this.unitStride
            ? `if ((ti < 0) | (ti >= OH)) { continue; }
        let i = ti;`
            : `if ((ti < 0) | (ti % uniforms.strides.x != 0)) { continue; }
        let i = ti / uniforms.strides.x;
        if (i >= OH) { continue; }`
        }
        for (var dj = 0; dj < kw; dj++) {
          var any = false;
          for (var p = 0; p < ${PX}; p++) {
            let tj = iw0 + p + uniforms.pads.y - dj * uniforms.dilations.y;
            ${
              this.unitStride
                ? `let j = tj;
            hits[p] = (tj >= 0) & (j < OW) & (iw0 + p < W);`
                : `let j = tj / uniforms.strides.y;
            hits[p] = (tj >= 0) & (tj % uniforms.strides.y == 0) & (j < OW) & (iw0 + p < W);`
            }
            yAt[p] = ((b * OH + i) * OW + j) * Cout + grp * opg;
            aAt[p] = ((b * OH + i) * OW + j) * groups + grp;
            any = any | hits[p];
          }
          if (!any) { continue; }
          let k0 = (di * kw + dj) * cpg + c;
          ${xFactors.join('\n          ')}
          // Zeroed per tap explicitly: a var declared in a loop body kept its value from the
          // previous iteration on Dawn / SwiftShader.
          ${Array.from({length: sums * E}, (_, e) => `s[${e}] = 0.0;`).join(' ')}
          var anyExact = false;
          for (var p = 0; p < ${PX}; p++) { anyExact = anyExact | (hits[p] & (gradFactor[flagBase + aAt[p]] > 0.5)); }
          for (var oo = 0; oo < opg; oo++) {
            let o = grp * opg + oo;
            var wfv : array<f32, ${P * CB}>;
            // (ScaledFilterProgram writes 0 for the factors of a non-finite filter channel.)
            for (var q = 0; q < ${CB}; q++) {
              for (var part = 0; part < ${P}; part++) { wfv[part * ${CB} + q] = wf[((k0 + q) * ${P} + part) * Cout + o]; }
            }
            ${perOutput.join('\n            ')}
          }
          // The exact terms, in a loop whose trip count is 0 unless some output needs them:
          // SwiftShader runs both sides of an if for its whole SIMD group, but leaves a loop as soon
          // as no lane continues, so on ordinary data this costs one test per tap. (The same
          // terms inside the loop above as an if, or in a loop per output, made the program
          // slower than the per-term one.)
          for (var oo = 0; oo < select(0, opg, anyExact); oo++) {
            let o = grp * opg + oo;
            ${exactPerOutput.join('\n            ')}
          }
          for (var p = 0; p < ${PX}; p++) {
            if (anchorOk[p]) {
              for (var q = 0; q < ${CB}; q++) {
                let e = p * ${CB} + q;
                d[e] = d[e] + ${Array.from({length: sums}, (_, part) => `xo[${part * E} + e] * s[${part * E} + e]`).join(' + ')};
              }
            }
          }
        }
      }
      for (var p = 0; p < ${PX}; p++) {
        if (iw0 + p < W) {
          for (var q = 0; q < ${CB}; q++) { result[((b * H + ih) * W + iw0 + p) * Cin + cin + q] = d[p * ${CB} + q] + exactD[p * ${CB} + q]; }
        }
      }
    }`;
  }
}
