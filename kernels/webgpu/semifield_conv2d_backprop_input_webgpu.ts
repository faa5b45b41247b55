import type {SemifieldConvInfo} from '../../src/ops/conv_info.js';
import type {Semifield} from '../../src/semifields/types.js';
import {Accumulators, semifieldTag} from './semifield_wgsl.js';
import {
  ceilDiv,
  geometryUniformDecl,
  geometryUniforms,
  type ProgramUniform,
  type WebGPUProgram,
} from './webgpu_util.js';

/*
 * dL/dx as a gather: each invocation owns `px` consecutive input pixels of one row for `cb`
 * consecutive input channels of one group, and visits every output whose window contains them (the transposed
 * convolution), summing in a fixed order. No scatter, so no atomics and bit-identical results run
 * to run.
 *
 * - selection: an output contributes dy (· w when ⊗ is ·) only if its provenance names exactly
 *   this tap and channel;
 * - invertible: every output contributes dy · ∂y/∂t (· w when ⊗ is ·), with t recomputed from x
 *   and w and ∂y/∂t from the semifield's gradWeight template and the saved y.
 *
 * With both strides 1 (the common case) the program is generated without the divisions and
 * modulos that map input to output coordinates: integer division has no vector instruction on
 * x86, so SwiftShader pays it per lane.
 *
 * Invocations are laid out with the input channel block fastest (neighbours read neighbouring x
 * words and the same dy / aux words); each dy / aux read serves the cb channels and each filter
 * read the px pixels of an invocation.
 */
export class SemifieldConv2DBackpropInputProgram implements WebGPUProgram {
  outputShape: number[];
  shaderKey: string;
  dispatchLayout: {x: number[]};
  dispatch: [number, number, number];
  variableNames: string[];
  uniforms = `${geometryUniformDecl}outHW : vec2<i32>, wBlocks : i32, `;
  workgroupSize: [number, number, number] = [64, 1, 1];
  readonly uniformData: ProgramUniform[];
  private readonly acc: Accumulators;

  private readonly px: number;
  private readonly cb: number;
  /** Both strides 1: output coordinates are input coordinates shifted, no division or modulo. */
  private readonly unitStride: boolean;

  /**
   * @param pixelsPerThread 'auto': 4.
   */
  constructor(
    private readonly sf: Semifield,
    info: SemifieldConvInfo,
    pixelsPerThread: number | 'auto' = 'auto',
  ) {
    const {batch, inHeight, inWidth, inChannels} = info;
    this.outputShape = [batch, inHeight, inWidth, inChannels];
    this.acc = new Accumulators(sf, 1);
    const selection = sf.gradientRule === 'selection';
    // Bind only what the shader reads: WebGPU's automatic layout drops unused bindings.
    this.variableNames = selection ? (sf.multiplicative ? ['dy', 'aux', 'w'] : ['dy', 'aux']) : ['dy', 'aux', 'x', 'w'];
    // linear's ∂y/∂t is the constant 1: y is then never read, and neither is x.
    if (!selection && !this.acc.gradWeightReadsY) this.variableNames = ['dy', 'w'];
    // Channel blocking shares each dy / aux read among cb channels, pixel blocking shares each
    // filter read among px pixels. Both: 4 pixels × 4 channels (16 terms per dy / y / w read
    // group) on full convolutions, the fastest measured (docs/webgpu.md, "Measured decisions"); depthwise gets 4 pixels × 1 channel.
    const cpg = info.inChannelsPerGroup;
    this.cb = cpg % 4 === 0 ? 4 : cpg % 2 === 0 ? 2 : 1;
    this.px = pixelsPerThread === 'auto' ? 4 : pixelsPerThread;
    this.dispatchLayout = {x: [0, 1, 2, 3]};
    const wBlocks = ceilDiv(inWidth, this.px);
    this.dispatch = [ceilDiv(batch * inHeight * wBlocks * (inChannels / this.cb), 64), 1, 1];
    this.uniformData = [
      ...geometryUniforms(info),
      {type: 'int32', data: [info.outHeight, info.outWidth]},
      {type: 'int32', data: [wBlocks]},
    ];
    this.unitStride = info.strideHeight === 1 && info.strideWidth === 1;
    this.shaderKey = `semifieldConv2DBackpropInput_${semifieldTag(sf)}_px${this.px}_cb${this.cb}${this.unitStride ? '_s1' : ''}`;
  }

  getUserCode(): string {
    const {acc, sf, px: PX, cb: CB} = this;
    const selection = sf.gradientRule === 'selection';
    const readsX = this.variableNames.includes('x');
    const readsW = this.variableNames.includes('w');
    const readsY = !selection && this.variableNames.includes('aux');
    const lines: string[] = [];
    for (let p = 0; p < PX; p++) {
      const inner: string[] = [`let yi = yAt[${p}] + oo;`, 'let g = dy[yi];'];
      if (selection) inner.push('let a = aux[yi];');
      else if (readsY) inner.push('let yv = aux[yi];');
      for (let q = 0; q < CB; q++) {
        const e = p * CB + q;
        if (selection) {
          inner.push(`if (a == k0 + ${q}) { d[${e}] = d[${e}] + ${sf.multiplicative ? `g * wv[${q}]` : 'g'}; }`);
        } else {
          const term = readsY
            ? acc.gradTerm('g', acc.rawTerm(`xv[${e}]`, `wv[${q}]`), 'yv', `wv[${q}]`)
            : sf.multiplicative
              ? `select(g * wv[${q}], 0.0, g == 0.0)`
              : 'g';
          inner.push(`d[${e}] = d[${e}] + ${term};`);
        }
      }
      lines.push(`if (hits[${p}]) {\n              ${inner.join('\n              ')}\n            }`);
    }
    return `
    fn main(index : i32) {
      let H = uniforms.outShape.y;
      let W = uniforms.outShape.z;
      let Cin = uniforms.outShape.w;
      let OH = uniforms.outHW.x;
      let OW = uniforms.outHW.y;
      let Cout = uniforms.dyShape.w;
      let cpg = uniforms.cpg;
      let opg = uniforms.opg;
      let kw = uniforms.filterHW.y;
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
      ${
        readsX
          ? `var xv : array<f32, ${PX * CB}>;
      for (var p = 0; p < ${PX}; p++) {
        for (var q = 0; q < ${CB}; q++) { xv[p * ${CB} + q] = x[((b * H + ih) * W + min(iw0 + p, W - 1)) * Cin + cin + q]; }
      }`
          : ''
      }
      var d : array<f32, ${PX * CB}>;
      var hits : array<bool, ${PX}>;
      var yAt : array<i32, ${PX}>;
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
            any = any | hits[p];
          }
          if (!any) { continue; }
          let k0 = (di * kw + dj) * cpg + c;
          for (var oo = 0; oo < opg; oo++) {
            ${
              readsW
                ? `var wv : array<f32, ${CB}>;
            for (var q = 0; q < ${CB}; q++) { wv[q] = w[(k0 + q) * Cout + grp * opg + oo]; }`
                : ''
            }
            ${lines.join('\n            ')}
          }
        }
      }
      for (var p = 0; p < ${PX}; p++) {
        if (iw0 + p < W) {
          for (var q = 0; q < ${CB}; q++) { result[((b * H + ih) * W + iw0 + p) * Cin + cin + q] = d[p * ${CB} + q]; }
        }
      }
    }`;
  }
}
