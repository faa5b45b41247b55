import type {SemifieldConvInfo} from '../../src/ops/conv_info.js';
import type {Semifield} from '../../src/semifields/types.js';
import {Accumulators, semifieldTag} from './semifield_wgsl.js';
import {
  ceilDiv,
  flatWorkgroupIndexSnippet,
  geometryUniformDecl,
  geometryUniforms,
  type ProgramUniform,
  type WebGPUProgram,
} from './webgpu_util.js';

/*
 * dL/dfilter: a reduction over batch and space for every filter entry. One workgroup owns one
 * filter tap (di, dj) for a block of `channelBlock` input channels × `outputBlock` output channels
 * of one group. Its invocations stride over the B·OH·OW output positions; each keeps the whole
 * block of partial sums in registers, so one read of x (per channel) and of dy / aux (per output)
 * feeds channelBlock × outputBlock entries — the register blocking of a matrix product, since for
 * a fixed tap dL/dw is X_tapᵀ·dY. The partials of the 64 invocations are then added in
 * workgroup memory, each entry by one invocation in a fixed order.
 *
 * The summation order depends only on the shapes, never on scheduling: no atomics, results are
 * bit-identical run to run.
 *
 * Contributions follow the CPU kernel: selection outputs add dy (· x when ⊗ is ·) where their
 * provenance names this entry; invertible outputs add dy · ∂y/∂t (· x when ⊗ is ·) for the
 * recomputed term t of this entry.
 */
export const BACKPROP_FILTER_WORKGROUP = 64;

function blockFor(requested: number, available: number): number {
  let b = 1;
  while (b * 2 <= Math.min(requested, available)) b *= 2;
  if (b < requested && b < available) b *= 2;
  return b;
}

export class SemifieldConv2DBackpropFilterProgram implements WebGPUProgram {
  outputShape: number[];
  shaderKey: string;
  dispatchLayout: {x: number[]};
  dispatch: [number, number, number];
  variableNames: string[];
  uniforms = `${geometryUniformDecl}cBlocks : i32, oBlocks : i32, `;
  workgroupSize: [number, number, number] = [BACKPROP_FILTER_WORKGROUP, 1, 1];
  readonly uniformData: ProgramUniform[];
  private readonly acc: Accumulators;
  private readonly cb: number;
  private readonly ob: number;

  constructor(private readonly sf: Semifield, info: SemifieldConvInfo, block = 4) {
    this.outputShape = [info.filterHeight, info.filterWidth, info.inChannelsPerGroup, info.outChannels];
    this.acc = new Accumulators(sf, 1);
    this.cb = blockFor(block, info.inChannelsPerGroup);
    this.ob = blockFor(block, info.outChannelsPerGroup);
    const selection = sf.kind === 'selection';
    this.variableNames = selection ? (sf.multiplicative ? ['dy', 'aux', 'x'] : ['dy', 'aux']) : ['dy', 'aux', 'x', 'w'];
    // linear's ∂y/∂t is the constant 1: y and w are then never read.
    if (!selection && !this.acc.gradWeightReadsY) this.variableNames = ['dy', 'x'];
    this.dispatchLayout = {x: [0, 1, 2, 3]};
    const cBlocks = ceilDiv(info.inChannelsPerGroup, this.cb);
    const oBlocks = ceilDiv(info.outChannelsPerGroup, this.ob);
    this.dispatch = [info.filterHeight * info.filterWidth * cBlocks * info.groups * oBlocks, 1, 1];
    this.uniformData = [...geometryUniforms(info), {type: 'int32', data: [cBlocks]}, {type: 'int32', data: [oBlocks]}];
    this.shaderKey = `semifieldConv2DBackpropFilter_${semifieldTag(sf)}_${this.cb}x${this.ob}`;
  }

  getUserCode(): string {
    const {acc, sf, cb: CB, ob: OB} = this;
    const n = BACKPROP_FILTER_WORKGROUP;
    const selection = sf.kind === 'selection';
    const readsX = this.variableNames.includes('x');
    const readsW = this.variableNames.includes('w');
    const readsY = !selection && this.variableNames.includes('aux');
    const body: string[] = [];
    for (let ob = 0; ob < OB; ob++) {
      body.push(`{
            let yi = p * Cout + min(o0 + ${ob}, Cout - 1);
            let g = dy[yi];
            ${selection ? 'let a = aux[yi];' : readsY ? 'let yv = aux[yi];' : ''}`);
      for (let cb = 0; cb < CB; cb++) {
        const q = cb * OB + ob;
        if (selection) {
          body.push(`            if (a == kBase + ${cb}) { part[${q}] = part[${q}] + ${sf.multiplicative ? `g * xv[${cb}]` : 'g'}; }`);
        } else {
          const term = readsY ? acc.gradTerm('g', acc.rawTerm(`xv[${cb}]`, `wv[${q}]`), 'yv', `xv[${cb}]`) : sf.multiplicative ? `select(g * xv[${cb}], 0.0, g == 0.0)` : 'g';
          body.push(`            part[${q}] = part[${q}] + ${term};`);
        }
      }
      body.push('          }');
    }
    // Selection without ·: a matching provenance implies the term was inside the image.
    const needsInside = readsX;
    return `
    var<workgroup> partials : array<f32, ${n * CB * OB}>;
    ${flatWorkgroupIndexSnippet}

    fn main(index : i32) {
      let Cout = uniforms.outShape.w;
      let cpg = uniforms.cpg;
      let opg = uniforms.opg;
      let kw = uniforms.filterHW.y;
      let groups = Cout / opg;
      var e = flatWorkgroupIndex();
      let ob0 = e % uniforms.oBlocks; e = e / uniforms.oBlocks;
      let grp = e % groups; e = e / groups;
      let cb0 = e % uniforms.cBlocks;
      let tap = e / uniforms.cBlocks;
      let live = tap < uniforms.outShape.x * kw;
      let di = tap / kw;
      let dj = tap % kw;
      let c0 = cb0 * ${CB};
      let o0 = grp * opg + ob0 * ${OB};
      let kBase = tap * cpg + c0;
      let OH = uniforms.dyShape.y;
      let OW = uniforms.dyShape.z;
      ${readsX ? 'let H = uniforms.xShape.y; let W = uniforms.xShape.z; let Cin = uniforms.xShape.w;' : ''}
      ${readsW ? `var wv : array<f32, ${CB * OB}>;
      for (var cb = 0; cb < ${CB}; cb++) {
        for (var ob = 0; ob < ${OB}; ob++) {
          wv[cb * ${OB} + ob] = w[(min(kBase + cb, tap * cpg + cpg - 1)) * Cout + min(o0 + ob, Cout - 1)];
        }
      }` : ''}
      var part : array<f32, ${CB * OB}>;
      if (live) {
        let positions = uniforms.dyShape.x * OH * OW;
        for (var p = i32(localIndex); p < positions; p += ${n}) {
          ${needsInside ? `let j = p % OW;
          let i = (p / OW) % OH;
          let b = p / (OW * OH);
          let ih = i * uniforms.strides.x + di * uniforms.dilations.x - uniforms.pads.x;
          let iw = j * uniforms.strides.y + dj * uniforms.dilations.y - uniforms.pads.y;
          if ((ih < 0) | (ih >= H) | (iw < 0) | (iw >= W)) { continue; }
          let xBase = ((b * H + ih) * W + iw) * Cin + grp * cpg + c0;
          var xv : array<f32, ${CB}>;
          for (var cb = 0; cb < ${CB}; cb++) { xv[cb] = x[xBase + min(cb, cpg - 1 - c0)]; }` : ''}
          ${body.join('\n')}
        }
      }
      let base = i32(localIndex) * ${CB * OB};
      for (var q = 0; q < ${CB * OB}; q++) { partials[base + q] = part[q]; }
      workgroupBarrier();
      let q = i32(localIndex);
      if (live & (q < ${CB * OB})) {
        var total = 0.0;
        for (var t = 0; t < ${n}; t++) { total = total + partials[t * ${CB * OB} + q]; }
        let cb = q / ${OB};
        let ob = q % ${OB};
        if ((c0 + cb < cpg) & (ob0 * ${OB} + ob < opg)) {
          result[(kBase + cb) * Cout + o0 + ob] = total;
        }
      }
    }`;
  }
}
