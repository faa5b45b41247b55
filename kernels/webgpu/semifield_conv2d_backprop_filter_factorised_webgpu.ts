import {SCALED_FILTER_EXTRA_ROWS} from './semifield_conv2d_factorised_webgpu.js';
import type {SemifieldConvInfo} from '../../src/ops/conv_info.js';
import type {Semifield} from '../../src/semifields/types.js';
import {factorisedGradSnippets, gradFactorLayout} from './semifield_conv2d_grad_scale_webgpu.js';
import {blockFor, SLICED_FILTER_INVOCATIONS} from './semifield_conv2d_backprop_filter_sliced_webgpu.js';
import {Accumulators, isFiniteSnippet, semifieldTag} from './semifield_wgsl.js';
import {
  ceilDiv,
  geometryUniformDecl,
  geometryUniforms,
  type ProgramUniform,
  type WebGPUProgram,
} from './webgpu_util.js';

/*
 * dL/dfilter by row slices with the factorised gradient (log, root p ≥ 1, on layers with several
 * output channels per group; semifield_conv2d_grad_scale_webgpu.ts for the factorisation and its
 * inputs):
 *
 *     dW[t,c,o] = Σ_part ownPart(w, own(w_{t,c,o}, W_o), part) · Σ_p factorPart(x_{p,t,c}, factor(x, A_p), part) · R_{p,o}
 *                 +  exact terms,
 *
 * the exact terms being dy·∂y/∂t·∂t/∂w by the per-term formula for the outputs whose R is +∞. The
 * layout is the sliced program's (SemifieldConv2DBackpropFilterSlicedProgram: one invocation per
 * block of cb input × ob output channels of one tap and one slice of output rows, summed over
 * slices by SliceSumProgram in slice order, so no atomics and bit-identical results run to run),
 * but each position pays cb transcendentals — factor(x, A_p), shared by the ob output channels —
 * instead of cb·ob, and the rest is a linear convolution's multiply-adds (one per part: root keeps
 * the positive and the negative operand pairs apart). The sums are kept apart from the exact terms
 * so that those are not multiplied by the filter factor.
 */
export class SemifieldConv2DBackpropFilterFactorisedProgram implements WebGPUProgram {
  outputShape: number[];
  shaderKey: string;
  dispatchLayout: {x: number[]};
  dispatch: [number, number, number];
  variableNames = ['dy', 'y', 'x', 'w', 'gradFactor', 'wf'];
  uniforms = `${geometryUniformDecl}cBlocks : i32, oBlocks : i32, slices : i32, rowsPerSlice : i32, `;
  workgroupSize: [number, number, number] = [64, 1, 1];
  readonly uniformData: ProgramUniform[];
  private readonly acc: Accumulators;
  private readonly cb: number;
  private readonly ob: number;

  /**
   * @param inBlock input channels per invocation
   * @param outBlock output channels per invocation, each sharing the inBlock factors of a position.
   *     Default 8 × 16, the fastest block measured (docs/webgpu.md, "Measured decisions").
   */
  constructor(
    private readonly sf: Semifield,
    info: SemifieldConvInfo,
    inBlock = 8,
    outBlock = 16,
    invocations = SLICED_FILTER_INVOCATIONS,
  ) {
    if (factorisedGradSnippets(sf) == null)
      throw new Error(`SemifieldConv2DBackpropFilterFactorisedProgram: ${sf.key} has no factorised gradient`);
    this.cb = blockFor(inBlock, info.inChannelsPerGroup);
    this.ob = blockFor(outBlock, info.outChannelsPerGroup);
    const cBlocks = ceilDiv(info.inChannelsPerGroup, this.cb);
    const oBlocks = ceilDiv(info.outChannelsPerGroup, this.ob);
    const blocks = info.filterHeight * info.filterWidth * cBlocks * info.groups * oBlocks;
    const rows = info.batch * info.outHeight;
    const slices = Math.max(1, Math.min(rows, ceilDiv(invocations, blocks)));
    this.outputShape = [slices, info.filterHeight * info.filterWidth * info.inChannelsPerGroup * info.outChannels];
    this.acc = new Accumulators(sf, 1);
    this.dispatchLayout = {x: [0, 1]};
    this.dispatch = [ceilDiv(slices * blocks, 64), 1, 1];
    this.uniformData = [
      ...geometryUniforms(info),
      {type: 'int32', data: [cBlocks]},
      {type: 'int32', data: [oBlocks]},
      {type: 'int32', data: [slices]},
      {type: 'int32', data: [ceilDiv(rows, slices)]},
    ];
    this.shaderKey = `semifieldConv2DBackpropFilterFactorised_${semifieldTag(sf)}_${this.cb}x${this.ob}`;
  }

  getUserCode(): string {
    const {acc, cb: CB, ob: OB} = this;
    const f = factorisedGradSnippets(this.sf)!;
    const P = f.parts;
    // Exclusive parts (root: by sign): w is known per entry, so each term needs only the x factor
    // of w's part — one accumulator and one multiply-add per term instead of one per part.
    const exclusive = P === 2 && f.inFirstPart != null;
    const sums = exclusive ? 1 : P;
    // Per position: the fast path branch-free (it reads rFast, where the exact outputs' R is 0, with
    // no test per output), then the exact terms in a loop whose trip count is 0 unless the pixel
    // has an output that needs them (its flag; the outputs are then those with rExact = +∞).
    // SwiftShader runs both sides of an if for its whole SIMD group, so a plain if/else per output
    // paid the exact side's transcendental on every term (slower than the per-term program), and
    // so did a loop of at most one trip (presumably turned back into an if); it leaves a loop with a
    // data-dependent bound as soon as no lane continues.
    const reads: string[] = [];
    const fast: string[] = [];
    for (let ob = 0; ob < OB; ob++) {
      reads.push(`let rf${ob} = gradFactor[yRow + yo${ob}];`);
      for (let cb = 0; cb < CB; cb++) {
        if (exclusive) {
          const q = cb * OB + ob;
          fast.push(`part[${q}] = part[${q}] + select(xf1_${cb}, xf0_${cb}, wFirst${q}) * rf${ob};`);
          continue;
        }
        for (let part = 0; part < P; part++) {
          const q = (part * CB + cb) * OB + ob;
          fast.push(`part[${q}] = part[${q}] + xf${part}_${cb} * rf${ob};`);
        }
      }
    }
    const exactTerms = Array.from(
      {length: CB},
      (_, cb) =>
        `exactPart[${cb} * ${OB} + ob] = exactPart[${cb} * ${OB} + ob] + ${acc.gradTerm('g', acc.rawTerm(`xv${cb}`, `wv[${cb} * ${OB} + ob]`), 'yv', `xv${cb}`)};`,
    );
    const body = [
      reads.join('\n          '),
      fast.join('\n          '),
      `let exactOutputs = select(0, ${OB}, gradFactor[flagBase + aAt] > 0.5);
          for (var ob = 0; ob < exactOutputs; ob++) {
            let yi = yRow + min(ob, opg - 1 - oig0);
            if (!isFiniteF32(gradFactor[rExactBase + yi])) {
              let g = dy[yi];
              let yv = y[yi];
              ${exactTerms.join('\n              ')}
            }
          }`,
    ];
    const xReads = Array.from({length: CB}, (_, cb) => `let xv${cb} = x[xi + xo${cb}];`).join(' ');
    const xFactors = Array.from({length: CB}, (_, cb) => {
      const parts = Array.from(
        {length: P},
        (_, part) => `let xf${part}_${cb} = ${f.factorPart(`xv${cb}`, `fx${cb}`, part)};`,
      );
      return `let fx${cb} = select(0.0, ${f.factor(`xv${cb}`, 'xa')}, anchorOk); ${parts.join(' ')}`;
    }).join('\n          ');
    const offsets = [
      ...Array.from({length: CB}, (_, cb) => `let xo${cb} = min(${cb}, cpg - 1 - c0);`),
      ...Array.from({length: OB}, (_, ob) => `let yo${ob} = min(${ob}, opg - 1 - oig0);`),
    ].join(' ');
    const writes: string[] = [];
    for (let cb = 0; cb < CB; cb++) {
      for (let ob = 0; ob < OB; ob++) {
        const q = cb * OB + ob;
        const sum = exclusive
          ? `(${Array.from({length: P}, (_, part) => f.grad.ownPart('wv_', 'own', part)).join(' + ')}) * part[${q}]`
          : Array.from(
              {length: P},
              (_, part) => `${f.grad.ownPart('wv_', 'own', part)} * part[${(part * CB + cb) * OB + ob}]`,
            ).join(' + ');
        // A filter channel with a non-finite w has every R = +∞, so part is 0; its own factors may
        // be NaN, hence the select.
        writes.push(`if ((c0 + ${cb} < cpg) & (oig0 + ${ob} < opg)) {
        let k = kBase + ${cb};
        let o = o0 + ${ob};
        let wv_ = wv[${q}];
        let own = ${f.grad.own('wv_', 'wf[filterRows * Cout + o]')};
        let fast = select(0.0, ${sum}, wf[(filterRows + 1) * Cout + o] > 0.5);
        result[slice * entries + k * Cout + o] = fast + exactPart[${q}];
      }`);
      }
    }
    return `
    ${isFiniteSnippet}
    fn main(index : i32) {
      let Cout = uniforms.dyShape.w;
      let OH = uniforms.dyShape.y;
      let OW = uniforms.dyShape.z;
      let cpg = uniforms.cpg;
      let opg = uniforms.opg;
      let groups = Cout / opg;
      let kw = uniforms.filterHW.y;
      let taps = uniforms.filterHW.x * kw;
      let entries = taps * cpg * Cout;
      let filterRows = uniforms.wfShape.x - ${SCALED_FILTER_EXTRA_ROWS};
      ${gradFactorLayout}
      var e = index;
      let oig0 = (e % uniforms.oBlocks) * ${OB}; e = e / uniforms.oBlocks;
      let grp = e % groups; e = e / groups;
      let c0 = (e % uniforms.cBlocks) * ${CB}; e = e / uniforms.cBlocks;
      let tap = e % taps;
      let slice = e / taps;
      if (slice >= uniforms.slices) { return; }
      let di = tap / kw;
      let dj = tap % kw;
      let o0 = grp * opg + oig0;
      let kBase = tap * cpg + c0;
      let H = uniforms.xShape.y; let W = uniforms.xShape.z; let Cin = uniforms.xShape.w;
      var wv : array<f32, ${CB * OB}>;
      for (var cb = 0; cb < ${CB}; cb++) {
        for (var ob = 0; ob < ${OB}; ob++) {
          wv[cb * ${OB} + ob] = w[min(kBase + cb, tap * cpg + cpg - 1) * Cout + min(o0 + ob, Cout - 1)];
        }
      }
      // Output columns j whose input column j·sw + dj·dw − pl lies in [0, W).
      let colOff = dj * uniforms.dilations.y - uniforms.pads.y;
      let sw = uniforms.strides.y;
      var jLo = 0;
      if (colOff < 0) { jLo = (-colOff + sw - 1) / sw; }
      var jHi = min(OW, (W - 1 - colOff) / sw + 1);
      if (W - 1 - colOff < 0) { jHi = 0; }
      let rowOff = di * uniforms.dilations.x - uniforms.pads.x;
      ${offsets}
      let r0 = slice * uniforms.rowsPerSlice;
      let r1 = min(r0 + uniforms.rowsPerSlice, uniforms.dyShape.x * OH);
      ${exclusive ? Array.from({length: CB * OB}, (_, q) => `let wFirst${q} = ${f.inFirstPart!(`wv[${q}]`)};`).join(' ') : ''}
      var part : array<f32, ${sums * CB * OB}>;
      var exactPart : array<f32, ${CB * OB}>;
      for (var r = r0; r < r1; r++) {
        let i = r % OH;
        let b = r / OH;
        let ih = i * uniforms.strides.x + rowOff;
        if ((ih < 0) | (ih >= H)) { continue; }
        var xi = ((b * H + ih) * W + jLo * sw + colOff) * Cin + grp * cpg + c0;
        var yRow = ((b * OH + i) * OW + jLo) * Cout + o0;
        var aAt = ((b * OH + i) * OW + jLo) * groups + grp;
        for (var j = jLo; j < jHi; j++) {
          ${xReads}
          // A non-finite anchor (non-finite x in the window) marks every R of this pixel +∞; its
          // factors are zeroed so that NaN · 0 cannot reach the sums.
          let xa = gradFactor[aBase + aAt];
          let anchorOk = isFiniteF32(xa);
          ${xFactors}
          ${body.join('\n          ')}
          yRow += Cout;
          aAt += groups;
          xi += sw * Cin;
        }
      }
      ${writes.join('\n      ')}
    }`;
  }
}
