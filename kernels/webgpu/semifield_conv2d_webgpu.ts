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
 * The direct forward program of SemifieldConv2D on WebGPU and the selected-term pass of selection
 * semifields. Which forward program a call runs (implicit GEMM, direct, factorised) is decided in
 * SemifieldConv2D.ts. Shape values are uniforms, so one compiled pipeline serves every geometry;
 * only the semifield and the pixels per invocation are baked into the source.
 *
 * Selection semifields output the provenance (int32); SelectedTermProgram then evaluates the
 * selected term to get y, because a tfjs WebGPU program has a single output binding.
 */

/**
 * Factorised programs (log, root p > 0) are candidates when groups have at least this many output
 * channels to share each input factor among: they save a transcendental per term only by that
 * sharing — depthwise, with nothing to share, they lose to the direct program; from 2 channels per
 * group they break even or win (docs/webgpu.md, "Measured decisions").
 */
export const FACTORISED_MIN_CHANNELS = 2;

/**
 * On hardware GPUs the fixed default is the implicit-GEMM program when groups have at least this
 * many output channels (each staged x value is reused by the tile's channels); depthwise and narrow
 * groups stay on the direct program.
 */
export const MM_MIN_CHANNELS = 4;

/** Channels per invocation: a power of two ≤ min(requested, opg), doubled once if below both. */
export function channelsPerThreadFor(requested: number, opg: number): number {
  let oc = 1;
  while (oc * 2 <= Math.min(requested, opg)) oc *= 2;
  // A 3-channel group still fits in one 4-wide block better than in 2 + 1.
  if (oc < requested && oc < opg) oc *= 2;
  return oc;
}

/**
 * The direct forward: invocations are laid out over (b, i, j-block, o) with the output channel
 * fastest, so neighbouring invocations read neighbouring filter words and — depthwise — neighbouring
 * input words, or — full convolution — the same input word (a broadcast). Each invocation computes
 * `pixelsPerThread` consecutive pixels of one channel, reading each filter value once for all of
 * them. No workgroup memory and no barriers: on SwiftShader, whose barriers switch between
 * invocations one by one, it beat a workgroup-tiled program (deleted in issue 14; it also lost
 * to the implicit GEMM on hardware), and on hardware it is the program for depthwise and
 * narrow groups, where a GEMM tile has nothing to reuse.
 */
export class SemifieldConv2DDirectProgram implements WebGPUProgram {
  outputShape: number[];
  shaderKey: string;
  dispatchLayout: {x: number[]};
  dispatch: [number, number, number];
  variableNames = ['x', 'w'];
  uniforms = `${geometryUniformDecl}jBlocks : i32, `;
  workgroupSize: [number, number, number] = [64, 1, 1];
  readonly uniformData: ProgramUniform[];
  private readonly acc: Accumulators;

  /**
   * @param valueOut selection semifields: write the selected term y instead of its provenance (the
   *     caller does not need the provenance; the index bookkeeping is then dead code).
   */
  constructor(
    sf: Semifield,
    info: SemifieldConvInfo,
    private readonly px = 2,
    private readonly valueOut = false,
  ) {
    this.outputShape = [info.batch, info.outHeight, info.outWidth, info.outChannels];
    this.acc = new Accumulators(sf, px, true);
    const jBlocks = ceilDiv(info.outWidth, px);
    this.dispatchLayout = {x: [0, 1, 2, 3]};
    this.dispatch = [ceilDiv(info.batch * info.outHeight * jBlocks * info.outChannels, 64), 1, 1];
    this.uniformData = [...geometryUniforms(info), {type: 'int32', data: [jBlocks]}];
    this.shaderKey = `semifieldConv2DDirect_${semifieldTag(sf)}_px${px}${valueOut ? '_value' : ''}`;
  }

  getUserCode(): string {
    const {acc, px: PX} = this;
    const perPixel: string[] = [];
    const writes: string[] = [];
    for (let p = 0; p < PX; p++) {
      perPixel.push(`if (inside[${p}]) {
                let xv = x[xAt[${p}] + c];
                let t = ${acc.term('xv', 'wv')};
                ${acc.accumulate(String(p), 't', 'k')}
              }`);
      const value = acc.mode === 'select' && !this.valueOut ? `arg[${p}]` : acc.result(String(p));
      writes.push(`if (j0 + ${p} < OW) { result[((b * OH + i) * OW + j0 + ${p}) * Cout + o] = ${value}; }`);
    }
    return `
    fn main(index : i32) {
      let H = uniforms.xShape.y;
      let W = uniforms.xShape.z;
      let Cin = uniforms.xShape.w;
      let OH = uniforms.outShape.y;
      let OW = uniforms.outShape.z;
      let Cout = uniforms.outShape.w;
      let kw = uniforms.filterHW.y;
      let cpg = uniforms.cpg;
      if (index >= uniforms.outShape.x * OH * uniforms.jBlocks * Cout) { return; }
      let o = index % Cout;
      var r = index / Cout;
      let j0 = (r % uniforms.jBlocks) * ${PX};
      r = r / uniforms.jBlocks;
      let i = r % OH;
      let b = r / OH;
      let cBase = (o / uniforms.opg) * cpg;
      ${acc.declare()}
      var inside : array<bool, ${PX}>;
      var xAt : array<i32, ${PX}>;
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
          for (var c = 0; c < cpg; c++) {
            let k = kBase + c;
            let wv = w[k * Cout + o];
            ${perPixel.join('\n            ')}
          }
        }
      }
      ${writes.join('\n      ')}
    }`;
  }
}

/**
 * y of a selection semifield from its provenance: re-evaluates the one selected term per output
 * (𝟘 where the window was empty). Costs one x and one w read per output — far less than a second
 * pass over the windows.
 */
export class SelectedTermProgram implements WebGPUProgram {
  outputShape: number[];
  shaderKey: string;
  dispatchLayout: {x: number[]};
  dispatch: [number, number, number];
  variableNames = ['x', 'w', 'prov'];
  uniforms = geometryUniformDecl;
  workgroupSize: [number, number, number] = [64, 1, 1];
  size = true;
  readonly uniformData: ProgramUniform[];
  private readonly acc: Accumulators;

  constructor(sf: Semifield, info: SemifieldConvInfo) {
    this.outputShape = [info.batch, info.outHeight, info.outWidth, info.outChannels];
    this.dispatchLayout = {x: [0, 1, 2, 3]};
    this.dispatch = [
      ceilDiv(
        this.outputShape.reduce((a, b) => a * b, 1),
        64,
      ),
      1,
      1,
    ];
    this.uniformData = geometryUniforms(info);
    this.acc = new Accumulators(sf, 1);
    this.shaderKey = `semifieldSelectedTerm_${semifieldTag(sf)}`;
  }

  getUserCode(): string {
    const {acc} = this;
    return `
    fn main(index : i32) {
      if (index < uniforms.size) {
        let coords = getCoordsFromIndex(index);
        let k = prov[index];
        var v = ${acc.zero};
        if (k >= 0) {
          let cpg = uniforms.cpg;
          let c = k % cpg;
          let tap = k / cpg;
          let di = tap / uniforms.filterHW.y;
          let dj = tap % uniforms.filterHW.y;
          let ih = coords.y * uniforms.strides.x + di * uniforms.dilations.x - uniforms.pads.x;
          let iw = coords.z * uniforms.strides.y + dj * uniforms.dilations.y - uniforms.pads.y;
          let cin = (coords.w / uniforms.opg) * cpg + c;
          let xv = x[((coords.x * uniforms.xShape.y + ih) * uniforms.xShape.z + iw) * uniforms.xShape.w + cin];
          v = ${acc.term('xv', 'w[k * uniforms.outShape.w + coords.w]')};
        }
        setOutputAtIndex(index, v);
      }
    }`;
  }
}
