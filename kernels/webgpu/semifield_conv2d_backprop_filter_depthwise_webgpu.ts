import type {SemifieldConvInfo} from '../../src/ops/conv_info.js';
import type {Semifield} from '../../src/semifields/types.js';
import {Accumulators, semifieldTag} from './semifield_wgsl.js';
import {ceilDiv, geometryUniformDecl, geometryUniforms, type ProgramUniform, type WebGPUProgram} from './webgpu_util.js';

/*
 * dL/dfilter for depthwise layers (one input and one output channel per group), where the general
 * program's blocking (one workgroup per tap × 4 input × 4 output channels of a group) has a single
 * entry to fill: each of its workgroups reduced 64 partial sums of one filter entry through
 * workgroup memory and a barrier, and every position paid an index decode and a bounds test.
 *
 * Here one invocation owns one filter entry (tap, channel) for one slice of the B·OH output rows,
 * channel fastest (neighbouring invocations read neighbouring x, dy and y words). The rows and
 * columns whose input position lies inside the image are computed once per invocation, so the
 * inner loop has no bounds test and no division. The slices' partial sums are then added by
 * DepthwiseFilterSliceSumProgram, each entry in slice order: no atomics, bit-identical results run
 * to run. Slices exist to give the device enough invocations (kh·kw·C alone is a few hundred).
 */

/** Target number of invocations (entries × slices) of the partial-sum pass. */
const DEPTHWISE_FILTER_INVOCATIONS = 8192;

export function isPureDepthwise(info: SemifieldConvInfo): boolean {
  return info.inChannelsPerGroup === 1 && info.outChannelsPerGroup === 1;
}

export function depthwiseFilterSlices(info: SemifieldConvInfo): number {
  const entries = info.filterHeight * info.filterWidth * info.outChannels;
  const rows = info.batch * info.outHeight;
  return Math.max(1, Math.min(rows, ceilDiv(DEPTHWISE_FILTER_INVOCATIONS, entries)));
}

/** Partial sums [slices, kh·kw·C] of dL/dfilter, one per (slice, tap, channel). */
export class SemifieldConv2DBackpropFilterDepthwiseProgram implements WebGPUProgram {
  outputShape: number[];
  shaderKey: string;
  dispatchLayout: {x: number[]};
  dispatch: [number, number, number];
  variableNames: string[];
  uniforms = `${geometryUniformDecl}slices : i32, rowsPerSlice : i32, `;
  workgroupSize: [number, number, number] = [64, 1, 1];
  readonly uniformData: ProgramUniform[];
  private readonly acc: Accumulators;

  constructor(private readonly sf: Semifield, info: SemifieldConvInfo) {
    const slices = depthwiseFilterSlices(info);
    const entries = info.filterHeight * info.filterWidth * info.outChannels;
    this.outputShape = [slices, entries];
    this.acc = new Accumulators(sf, 1);
    const selection = sf.kind === 'selection';
    this.variableNames = selection ? (sf.multiplicative ? ['dy', 'aux', 'x'] : ['dy', 'aux']) : ['dy', 'aux', 'x', 'w'];
    // linear's ∂y/∂t is the constant 1: y and w are then never read.
    if (!selection && !this.acc.gradWeightReadsY) this.variableNames = ['dy', 'x'];
    this.dispatchLayout = {x: [0, 1]};
    this.dispatch = [ceilDiv(slices * entries, 64), 1, 1];
    const rows = info.batch * info.outHeight;
    this.uniformData = [...geometryUniforms(info), {type: 'int32', data: [slices]}, {type: 'int32', data: [ceilDiv(rows, slices)]}];
    this.shaderKey = `semifieldConv2DBackpropFilterDepthwise_${semifieldTag(sf)}`;
  }

  getUserCode(): string {
    const {acc, sf} = this;
    const selection = sf.kind === 'selection';
    const readsX = this.variableNames.includes('x');
    const readsW = this.variableNames.includes('w');
    const readsY = !selection && this.variableNames.includes('aux');
    let contribution: string;
    if (selection) {
      contribution = `if (aux[yi] == tap) { part = part + ${sf.multiplicative ? 'dy[yi] * x[xi]' : 'dy[yi]'}; }`;
    } else {
      const gt = readsY ? `dy[yi] * ${acc.gradWeight(acc.rawTerm('xv', 'wv'), 'aux[yi]')}` : 'dy[yi]';
      contribution = `let xv = x[xi];
            let gt = ${gt};
            part = part + ${sf.multiplicative ? 'gt * xv' : 'gt'};`;
    }
    return `
    fn main(index : i32) {
      let C = uniforms.dyShape.w;
      let OH = uniforms.dyShape.y;
      let OW = uniforms.dyShape.z;
      let kw = uniforms.filterHW.y;
      let entries = uniforms.filterHW.x * kw * C;
      if (index >= uniforms.slices * entries) { return; }
      let o = index % C;
      let tap = (index / C) % (uniforms.filterHW.x * kw);
      let slice = index / entries;
      let di = tap / kw;
      let dj = tap % kw;
      ${readsX ? 'let H = uniforms.xShape.y; let W = uniforms.xShape.z;' : ''}
      ${readsW ? 'let wv = w[tap * C + o];' : ''}
      // Output columns j whose input column j·sw + dj·dw − pl lies in [0, W) (all of them when x is
      // not read: a matching provenance implies an inside term).
      let colOff = dj * uniforms.dilations.y - uniforms.pads.y;
      let sw = uniforms.strides.y;
      var jLo = 0;
      var jHi = OW;
      ${readsX ? `if (colOff < 0) { jLo = (-colOff + sw - 1) / sw; }
      jHi = min(OW, (W - 1 - colOff) / sw + 1);
      if (W - 1 - colOff < 0) { jHi = 0; }` : ''}
      let rowOff = di * uniforms.dilations.x - uniforms.pads.x;
      let r0 = slice * uniforms.rowsPerSlice;
      let r1 = min(r0 + uniforms.rowsPerSlice, uniforms.dyShape.x * OH);
      var part = 0.0;
      for (var r = r0; r < r1; r++) {
        let i = r % OH;
        let b = r / OH;
        ${readsX ? `let ih = i * uniforms.strides.x + rowOff;
        if (ih < 0 || ih >= H) { continue; }
        var xi = ((b * H + ih) * W + jLo * sw + colOff) * C + o;` : ''}
        var yi = ((b * OH + i) * OW + jLo) * C + o;
        for (var j = jLo; j < jHi; j++) {
          {
            ${contribution}
          }
          yi += C;
          ${readsX ? 'xi += sw * C;' : ''}
        }
      }
      result[index] = part;
    }`;
  }
}

/** dL/dfilter [kh, kw, 1, C] from the slices' partial sums, each entry summed in slice order. */
export class DepthwiseFilterSliceSumProgram implements WebGPUProgram {
  outputShape: number[];
  shaderKey = 'semifieldDepthwiseFilterSliceSum';
  dispatchLayout: {x: number[]};
  dispatch: [number, number, number];
  variableNames = ['partials'];
  workgroupSize: [number, number, number] = [64, 1, 1];
  size = true;

  constructor(info: SemifieldConvInfo) {
    this.outputShape = [info.filterHeight, info.filterWidth, 1, info.outChannels];
    this.dispatchLayout = {x: [0, 1, 2, 3]};
    this.dispatch = [ceilDiv(info.filterHeight * info.filterWidth * info.outChannels, 64), 1, 1];
  }

  getUserCode(): string {
    return `
    fn main(index : i32) {
      if (index < uniforms.size) {
        let entries = uniforms.partialsShape.y;
        var total = 0.0;
        for (var s = 0; s < uniforms.partialsShape.x; s++) { total = total + partials[s * entries + index]; }
        setOutputAtIndex(index, total);
      }
    }`;
  }
}
