import {FILTER_INVOCATIONS_FLAG, SLICE_SUM_FLAG, webgpuFlag} from './flags.js';
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
 * dL/dfilter by row slices, without workgroup memory. (An earlier blocked program gave a workgroup
 * one block of filter entries and reduced its invocations' partial sums through workgroup memory;
 * it lost to this one on SwiftShader and was deleted in issue 14.)
 *
 * One invocation owns a block of cb input × ob output channels of one filter tap for one
 * slice of the B·OH output rows, output-channel block fastest (neighbouring invocations read the
 * same x words and neighbouring dy / y words; depthwise, neighbouring channels). The output columns
 * whose input column lies inside the image are computed once per invocation, so the inner loop
 * has no bounds test and no division; each x read serves ob entries and each dy / y read cb.
 * SliceSumProgram then adds the slices' partial sums per entry, in slice order: no atomics,
 * bit-identical results run to run. Slices exist to give the device enough invocations (the
 * blocks of kh·kw·Cin/groups·Cout entries alone can be a few hundred).
 */

/**
 * Target number of invocations (entry blocks × slices) of the partial-sum pass on SwiftShader,
 * where a few thousand invocations already fill the CPU's cores.
 */
export const SLICED_FILTER_INVOCATIONS = 8192;

/**
 * The same target on hardware GPUs, which need hundreds of thousands of invocations in flight
 * (an H200 holds 132 × 2048): too few slices leave most of the chip idle while each invocation walks
 * B·OH/slices rows. See docs/webgpu.md, "On a hardware GPU".
 */
export const SLICED_FILTER_INVOCATIONS_HARDWARE = 262144;

/** The invocation target of the fixed defaults; SEMIFIELD_WEBGPU_FILTER_INVOCATIONS overrides. */
export function filterInvocationsFor(swiftShader: boolean): number {
  const flag = webgpuFlag(FILTER_INVOCATIONS_FLAG);
  if (flag !== 'auto') return flag;
  return swiftShader ? SLICED_FILTER_INVOCATIONS : SLICED_FILTER_INVOCATIONS_HARDWARE;
}

/** Channels per block: the largest power of two ≤ min(requested, available), doubled once if below both. */
export function blockFor(requested: number, available: number): number {
  let b = 1;
  while (b * 2 <= Math.min(requested, available)) b *= 2;
  if (b < requested && b < available) b *= 2;
  return b;
}

export class SemifieldConv2DBackpropFilterSlicedProgram implements WebGPUProgram {
  outputShape: number[];
  shaderKey: string;
  dispatchLayout: {x: number[]};
  dispatch: [number, number, number];
  variableNames: string[];
  uniforms = `${geometryUniformDecl}cBlocks : i32, oBlocks : i32, slices : i32, rowsPerSlice : i32, `;
  workgroupSize: [number, number, number] = [64, 1, 1];
  readonly uniformData: ProgramUniform[];
  private readonly acc: Accumulators;
  private readonly cb: number;
  private readonly ob: number;

  constructor(
    private readonly sf: Semifield,
    info: SemifieldConvInfo,
    block = 4,
    invocations = SLICED_FILTER_INVOCATIONS,
  ) {
    this.cb = blockFor(block, info.inChannelsPerGroup);
    this.ob = blockFor(block, info.outChannelsPerGroup);
    const cBlocks = ceilDiv(info.inChannelsPerGroup, this.cb);
    const oBlocks = ceilDiv(info.outChannelsPerGroup, this.ob);
    const blocks = info.filterHeight * info.filterWidth * cBlocks * info.groups * oBlocks;
    const rows = info.batch * info.outHeight;
    const slices = Math.max(1, Math.min(rows, ceilDiv(invocations, blocks)));
    this.outputShape = [slices, info.filterHeight * info.filterWidth * info.inChannelsPerGroup * info.outChannels];
    this.acc = new Accumulators(sf, 1);
    const selection = sf.gradientRule === 'selection';
    this.variableNames = selection ? (sf.multiplicative ? ['dy', 'aux', 'x'] : ['dy', 'aux']) : ['dy', 'aux', 'x', 'w'];
    // linear's ∂y/∂t is the constant 1: y and w are then never read.
    if (!selection && !this.acc.gradWeightReadsY) this.variableNames = ['dy', 'x'];
    this.dispatchLayout = {x: [0, 1]};
    this.dispatch = [ceilDiv(slices * blocks, 64), 1, 1];
    this.uniformData = [
      ...geometryUniforms(info),
      {type: 'int32', data: [cBlocks]},
      {type: 'int32', data: [oBlocks]},
      {type: 'int32', data: [slices]},
      {type: 'int32', data: [ceilDiv(rows, slices)]},
    ];
    this.shaderKey = `semifieldConv2DBackpropFilterSliced_${semifieldTag(sf)}_${this.cb}x${this.ob}`;
  }

  getUserCode(): string {
    const {acc, sf, cb: CB, ob: OB} = this;
    const selection = sf.gradientRule === 'selection';
    const readsX = this.variableNames.includes('x');
    const readsW = this.variableNames.includes('w');
    const readsY = !selection && this.variableNames.includes('aux');
    const body: string[] = [];
    for (let ob = 0; ob < OB; ob++) {
      body.push(`{
            let yi = yRow + yo${ob};
            let g = dy[yi];
            ${selection ? 'let a = aux[yi];' : readsY ? 'let yv = aux[yi];' : ''}`);
      for (let cb = 0; cb < CB; cb++) {
        const q = cb * OB + ob;
        if (selection) {
          body.push(
            `            if (a == kBase + ${cb}) { part[${q}] = part[${q}] + ${sf.multiplicative ? `g * xv${cb}` : 'g'}; }`,
          );
        } else {
          const term = readsY
            ? acc.gradTerm('g', acc.rawTerm(`xv${cb}`, `wv[${q}]`), 'yv', `xv${cb}`)
            : sf.multiplicative
              ? `select(g * xv${cb}, 0.0, g == 0.0)`
              : 'g';
          body.push(`            part[${q}] = part[${q}] + ${term};`);
        }
      }
      body.push('          }');
    }
    const xReads = Array.from({length: CB}, (_, cb) => `let xv${cb} = x[xi + xo${cb}];`).join(' ');
    // Blocks past the group's last channel / output re-read it (their results are not written).
    const offsets = [
      ...Array.from({length: CB}, (_, cb) => `let xo${cb} = min(${cb}, cpg - 1 - c0);`),
      ...Array.from({length: OB}, (_, ob) => `let yo${ob} = min(${ob}, opg - 1 - oig0);`),
    ].join(' ');
    const writes: string[] = [];
    for (let cb = 0; cb < CB; cb++) {
      for (let ob = 0; ob < OB; ob++) {
        writes.push(
          `if ((c0 + ${cb} < cpg) & (oig0 + ${ob} < opg)) { result[slice * entries + (kBase + ${cb}) * Cout + o0 + ${ob}] = part[${cb * OB + ob}]; }`,
        );
      }
    }
    return `
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
      ${readsX ? 'let H = uniforms.xShape.y; let W = uniforms.xShape.z; let Cin = uniforms.xShape.w;' : ''}
      ${
        readsW
          ? `var wv : array<f32, ${CB * OB}>;
      for (var cb = 0; cb < ${CB}; cb++) {
        for (var ob = 0; ob < ${OB}; ob++) {
          wv[cb * ${OB} + ob] = w[min(kBase + cb, tap * cpg + cpg - 1) * Cout + min(o0 + ob, Cout - 1)];
        }
      }`
          : ''
      }
      // Output columns j whose input column j·sw + dj·dw − pl lies in [0, W) (all of them when x is
      // not read: a matching provenance implies an inside term).
      let colOff = dj * uniforms.dilations.y - uniforms.pads.y;
      let sw = uniforms.strides.y;
      var jLo = 0;
      var jHi = OW;
      ${
        readsX
          ? `if (colOff < 0) { jLo = (-colOff + sw - 1) / sw; }
      jHi = min(OW, (W - 1 - colOff) / sw + 1);
      if (W - 1 - colOff < 0) { jHi = 0; }`
          : ''
      }
      let rowOff = di * uniforms.dilations.x - uniforms.pads.x;
      ${offsets}
      let r0 = slice * uniforms.rowsPerSlice;
      let r1 = min(r0 + uniforms.rowsPerSlice, uniforms.dyShape.x * OH);
      var part : array<f32, ${CB * OB}>;
      for (var r = r0; r < r1; r++) {
        let i = r % OH;
        let b = r / OH;
        ${
          readsX
            ? `let ih = i * uniforms.strides.x + rowOff;
        if ((ih < 0) | (ih >= H)) { continue; }
        var xi = ((b * H + ih) * W + jLo * sw + colOff) * Cin + grp * cpg + c0;`
            : ''
        }
        var yRow = ((b * OH + i) * OW + jLo) * Cout + o0;
        for (var j = jLo; j < jHi; j++) {
          ${readsX ? xReads : ''}
          ${body.join('\n')}
          yRow += Cout;
          ${readsX ? 'xi += sw * Cin;' : ''}
        }
      }
      ${writes.join('\n      ')}
    }`;
  }
}

/**
 * dL/dfilter from the slices' partial sums [slices, entries], each entry summed in a fixed order.
 * Serial: one invocation per entry walks the slices in order (SwiftShader, few slices). Parallel:
 * one workgroup per entry, 64 invocations over the slices and a tree in workgroup memory — for a
 * hardware GPU with many slices per entry (the thesis's pooling layer: 54 entries × 320 slices,
 * where 54 serial walks took most of dL/dfilter's time on an H200). Both deterministic, no atomics.
 */
export class SliceSumProgram implements WebGPUProgram {
  outputShape: number[];
  shaderKey: string;
  dispatchLayout: {x: number[]};
  dispatch: [number, number, number];
  variableNames = ['partials'];
  workgroupSize: [number, number, number] = [64, 1, 1];
  size = true;

  constructor(
    info: SemifieldConvInfo,
    private readonly parallel = false,
  ) {
    this.outputShape = [info.filterHeight, info.filterWidth, info.inChannelsPerGroup, info.outChannels];
    this.dispatchLayout = {x: [0, 1, 2, 3]};
    const entries = this.outputShape.reduce((a, b) => a * b, 1);
    this.dispatch = [parallel ? entries : ceilDiv(entries, 64), 1, 1];
    this.shaderKey = parallel ? 'semifieldFilterSliceSumParallel' : 'semifieldFilterSliceSum';
  }

  getUserCode(): string {
    if (this.parallel) {
      return `
    ${flatWorkgroupIndexSnippet}
    var<workgroup> partial : array<f32, 64>;
    fn main(index : i32) {
      let entries = uniforms.partialsShape.y;
      let e = flatWorkgroupIndex();
      let t = i32(localIndex);
      var total = 0.0;
      if (e < entries) {
        for (var s = t; s < uniforms.partialsShape.x; s = s + 64) { total = total + partials[s * entries + e]; }
      }
      partial[t] = total;
      workgroupBarrier();
      for (var stride = 32; stride > 0; stride = stride / 2) {
        if (t < stride) { partial[t] = partial[t] + partial[t + stride]; }
        workgroupBarrier();
      }
      if ((t == 0) & (e < entries)) { setOutputAtIndex(e, partial[0]); }
    }`;
    }
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

/** Hardware GPUs sum the slices in parallel once there are this many per entry. */
export const PARALLEL_SLICE_SUM_MIN_SLICES = 32;

/** Serial or parallel slice sum: parallel on hardware from PARALLEL_SLICE_SUM_MIN_SLICES slices; SEMIFIELD_WEBGPU_SLICE_SUM overrides. */
export function parallelSliceSum(swiftShader: boolean, slices: number): boolean {
  const flag = webgpuFlag(SLICE_SUM_FLAG);
  if (flag !== 'auto') return flag === 'parallel';
  return !swiftShader && slices >= PARALLEL_SLICE_SUM_MIN_SLICES;
}
