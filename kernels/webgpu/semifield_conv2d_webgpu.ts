import type {SemifieldConvInfo} from '../../src/ops/conv_info.js';
import type {Semifield} from '../../src/semifields/types.js';
import {Accumulators, factorisedSnippets, semifieldTag} from './semifield_wgsl.js';
import {ceilDiv, geometryUniformDecl, geometryUniforms, type ProgramUniform, type WebGPUProgram} from './webgpu_util.js';
import {mmModeFor, type MMTile} from './semifield_conv2d_mm_webgpu.js';

/*
 * Forward programs of SemifieldConv2D on WebGPU.
 *
 * SemifieldConv2DProgram is the fused ⊗/⊕ loop. A workgroup owns a tile of tileRows × tileCols
 * output pixels of one image, for a block of `channelsPerThread` output channels of one group.
 * Each invocation computes `pixelsPerThread` pixels (strided by the workgroup width, so adjacent
 * invocations read adjacent workgroup-memory words) × `channelsPerThread` channels, all from
 * the same loaded data. Input channels are streamed in chunks: per chunk the workgroup copies the
 * input patch the tile needs and the filter slice of its channel block into workgroup memory once,
 * then every invocation reads only workgroup memory. Chunk size and patch shape are uniforms, so
 * one compiled pipeline serves every geometry; only the semifield, the per-thread work and the
 * tiled/direct choice are baked into the source.
 *
 * When even a one-channel chunk does not fit (very large dilations), the same loop runs reading
 * global memory instead.
 *
 * Selection semifields output the provenance (int32); SelectedTermProgram then evaluates the
 * selected term to get y, because a tfjs WebGPU program has a single output binding.
 */

/** Workgroup memory budget in f32 words (WebGPU guarantees 16 KiB per workgroup). */
export const X_TILE_CAPACITY = 3072;
export const W_TILE_CAPACITY = 1024;

/**
 * Workgroup arrays are sized to what the geometry needs, rounded up to a power of two (capped by
 * the budget), rather than always at the budget: WebGPU zero-initialises workgroup memory on every
 * dispatch, and SwiftShader's compile time grows with the array size (a 4096-word pair took
 * ~1.8 s per pipeline, a 768-word pair ~0.2 s). The bucket is part of the shader key.
 */
function capacityBucket(needed: number, budget: number): number {
  let cap = 64;
  while (cap < needed && cap < budget) cap *= 2;
  return Math.min(cap, budget);
}

export interface ForwardTiling {
  /**
   * 'tiled': SemifieldConv2DProgram (workgroup memory); 'direct': SemifieldConv2DDirectProgram;
   * 'factorised': SemifieldConv2DFactorisedProgram (semifields with a factorised form, else
   * 'direct'); 'auto' (default): see {@link chooseForwardProgram}.
   */
  program: 'auto' | 'tiled' | 'direct' | 'factorised' | 'mm';
  /** 'mm': the implicit-GEMM tile (semifield_conv2d_mm_webgpu.ts); 'auto' follows defaultMMTile. */
  mmTile: MMTile | 'auto';
  /** Tiled: workgroup shape, invocations along output columns and rows. */
  workgroupCols: number;
  workgroupRows: number;
  /** Output pixels per invocation, along the width (direct 'auto': 8 for wide outputs, else 4). */
  pixelsPerThread: number | 'auto';
  /**
   * Tiled and factorised: output channels per invocation (powers of two; clamped to the group's
   * channel count). 'auto': 4 tiled, 8 factorised (see channelsPerThreadAuto).
   */
  channelsPerThread: number | 'auto';
}

export const defaultForwardTiling: ForwardTiling = {
  program: 'auto',
  workgroupCols: 8,
  workgroupRows: 8,
  pixelsPerThread: 'auto',
  channelsPerThread: 'auto',
  mmTile: 'auto',
};

/**
 * Output channels per invocation when the tiling says 'auto'. Factorised: each input factor (one
 * transcendental) is shared by this many channels, so more is better while registers last.
 * Measured on SwiftShader (BENCHMARKS.md, "WebGPU"), 'auto' = 4 px × 16 ch: clearly ahead of
 * 4 × 8, 8 × 4, 4 × 4 and 2 × 16; 8 × 16 and 4 × 32 (128 accumulators) ran 0–25% faster still but
 * took ~17–20 s to compile on SwiftShader (4 × 16: under 2 s), and would spill registers on a
 * hardware GPU.
 */
export function channelsPerThreadAuto(tiling: ForwardTiling, program: 'tiled' | 'factorised'): number {
  if (tiling.channelsPerThread !== 'auto') return tiling.channelsPerThread;
  return program === 'factorised' ? 16 : 4;
}

/**
 * Which forward program runs. On a hardware GPU: the implicit-GEMM program
 * (semifield_conv2d_mm_webgpu.ts) for semifields with a GEMM form when groups have ≥ MM_MIN_CHANNELS
 * output channels — measured on an H200 against the direct and tiled programs on every full
 * convolution (BENCHMARKS.md, "WebGPU on an NVIDIA H200"). On SwiftShader: the factorised program
 * for log / root p > 0 with ≥ FACTORISED_MIN_CHANNELS output channels per group. Otherwise the
 * direct program: on SwiftShader the tiled one was 2–3× slower (its barriers run a workgroup's
 * invocations one after another), on the H200 4–20× slower than mm, so it is only a forced choice.
 * Override with setWebGPUForwardTiling({program}).
 */
export function chooseForwardProgram(
  tiling: ForwardTiling,
  sf: Semifield,
  info: SemifieldConvInfo,
  swiftShader: boolean,
): 'tiled' | 'direct' | 'factorised' | 'mm' {
  const factorisable = factorisedSnippets(sf) != null;
  if (tiling.program === 'factorised') return factorisable ? 'factorised' : 'direct';
  if (tiling.program === 'mm') return mmModeFor(sf) != null ? 'mm' : 'direct';
  if (tiling.program !== 'auto') return tiling.program;
  if (!swiftShader && mmModeFor(sf) != null && info.outChannelsPerGroup >= MM_MIN_CHANNELS) return 'mm';
  if (factorisable && info.outChannelsPerGroup >= FACTORISED_MIN_CHANNELS) return 'factorised';
  // The tiled program lost to the direct one on SwiftShader and to both mm and direct on the H200
  // (4–20× slower than mm; docs/webgpu.md): it is only ever a forced choice.
  return 'direct';
}

/**
 * 'auto' runs the factorised program (log, root p > 0) when groups have at least this many output
 * channels to share each input factor among: it saves a transcendental per term only by that
 * sharing (BENCHMARKS.md, "WebGPU", [1,64,64,32] 5×5: depthwise, with nothing to share, it
 * measured 1.4–1.6× slower than the direct program; 2 channels per group break even (log 113 vs
 * 123 ms, root 173 vs 171); 4 → 1.5–1.8× faster, 8 → 2.5–2.7×, 16–32 → 3–4.6×).
 */
export const FACTORISED_MIN_CHANNELS = 2;

/**
 * On hardware GPUs 'auto' runs the implicit-GEMM program when groups have at least this many output
 * channels (each staged x value is reused by the tile's channels); depthwise and narrow groups stay
 * on the direct program.
 */
export const MM_MIN_CHANNELS = 4;

export function pixelsPerThreadFor(tiling: ForwardTiling, info: SemifieldConvInfo, program: 'tiled' | 'direct' | 'factorised'): number {
  if (tiling.pixelsPerThread !== 'auto') return tiling.pixelsPerThread;
  if (program === 'tiled') return 2;
  // Factorised: 4 px × 16 channels (channelsPerThreadAuto says why not 8 px).
  if (program === 'factorised') return 4;
  return info.outWidth >= 16 ? 8 : 4;
}

export function channelsPerThreadFor(requested: number, opg: number): number {
  let oc = 1;
  while (oc * 2 <= Math.min(requested, opg)) oc *= 2;
  // A 3-channel group still fits in one 4-wide block better than in 2 + 1.
  if (oc < requested && oc < opg) oc *= 2;
  return oc;
}

export class SemifieldConv2DProgram implements WebGPUProgram {
  outputShape: number[];
  shaderKey: string;
  dispatchLayout = {x: [2], y: [1], z: [0, 3]};
  dispatch: [number, number, number];
  variableNames = ['x', 'w'];
  uniforms = `${geometryUniformDecl}oBlocks : i32, chunk : i32, inTile : vec2<i32>, `;
  workgroupSize: [number, number, number];
  /** Program-defined uniform values for runWebGPUProgram. */
  readonly uniformData: ProgramUniform[];
  readonly tiled: boolean;
  private readonly acc: Accumulators;
  private readonly px: number;
  private readonly oc: number;
  private readonly xCapacity: number;
  private readonly wCapacity: number;
  private readonly singleChunk: boolean;

  constructor(sf: Semifield, info: SemifieldConvInfo, tiling: ForwardTiling = defaultForwardTiling) {
    const {batch, outHeight, outWidth, outChannels, groups} = info;
    this.outputShape = [batch, outHeight, outWidth, outChannels];
    this.px = pixelsPerThreadFor(tiling, info, 'tiled');
    this.oc = channelsPerThreadFor(channelsPerThreadAuto(tiling, 'tiled'), info.outChannelsPerGroup);
    this.workgroupSize = [tiling.workgroupCols, tiling.workgroupRows, 1];

    const tileRows = tiling.workgroupRows;
    const tileCols = tiling.workgroupCols * this.px;
    const inTileH = (tileRows - 1) * info.strideHeight + (info.filterHeight - 1) * info.dilationHeight + 1;
    const inTileW = (tileCols - 1) * info.strideWidth + (info.filterWidth - 1) * info.dilationWidth + 1;
    const cpg = info.inChannelsPerGroup;
    this.xCapacity = capacityBucket(inTileH * inTileW * cpg, X_TILE_CAPACITY);
    this.wCapacity = capacityBucket(info.filterHeight * info.filterWidth * cpg * this.oc, W_TILE_CAPACITY);
    const fitX = Math.floor(this.xCapacity / (inTileH * inTileW));
    const fitW = Math.floor(this.wCapacity / (info.filterHeight * info.filterWidth * this.oc));
    const chunkTiled = Math.min(info.inChannelsPerGroup, fitX, fitW);
    this.tiled = chunkTiled >= 1;
    const chunk = this.tiled ? chunkTiled : info.inChannelsPerGroup;
    // One chunk: every accumulator sees its terms in scan order (di, dj, c).
    this.singleChunk = chunk >= info.inChannelsPerGroup;
    this.acc = new Accumulators(sf, this.px * this.oc, this.singleChunk);
    const oBlocks = ceilDiv(info.outChannelsPerGroup, this.oc);
    this.dispatch = [ceilDiv(outWidth, tileCols), ceilDiv(outHeight, tileRows), batch * groups * oBlocks];
    this.uniformData = [
      ...geometryUniforms(info),
      {type: 'int32', data: [oBlocks]},
      {type: 'int32', data: [chunk]},
      {type: 'int32', data: [inTileH, inTileW]},
    ];
    this.shaderKey = `semifieldConv2D_${semifieldTag(sf)}_${this.tiled ? 'tiled' : 'direct'}${this.singleChunk ? '1' : 'n'}_px${this.px}_oc${this.oc}_${this.xCapacity}_${this.wCapacity}_${tiling.workgroupCols}x${tiling.workgroupRows}`;
  }

  getUserCode(): string {
    const {acc, px: PX, oc: OC, tiled} = this;
    const [WGX, WGY] = this.workgroupSize;
    const wgSize = WGX * WGY;
    const readX = tiled
      ? 'xTile[(rIn * uniforms.inTile.y + sIn) * cc + c]'
      : 'x[((b * H + ih) * W + iw) * Cin + g * cpg + c0 + c]';
    const readW = (oo: string) =>
      tiled ? `wTile[(tap * cc + c) * ${OC} + ${oo}]` : `w[k * Cout + min(o0 + ${oo}, Cout - 1)]`;

    // Loops over the pixels and channels of an invocation rather than unrolled copies: the
    // accumulate step of a rescaled semifield is long, and SwiftShader's compile time grows with
    // the source (unrolled 2×4: ~3 s per pipeline; looped: see BENCHMARKS.md).
    const perPixel = [`for (var p = 0; p < ${PX}; p++) {
          let col = lc + p * ${WGX};
          let sIn = col * uniforms.strides.y + dj * uniforms.dilations.y;
          let iw = inCol0 + sIn;
          if ((iw >= 0) & (iw < W) & (col0 + col < OW)) {
            for (var c = 0; c < cc; c++) {
              let xv = ${readX};
              let k = tap * cpg + c0 + c;
              for (var oo = 0; oo < ${OC}; oo++) {
                let t = ${acc.term('xv', readW('oo'))};
                ${acc.accumulate(`p * ${OC} + oo`, 't', 'k')}
              }
            }
          }
        }`];

    const writes: string[] = [];
    for (let p = 0; p < PX; p++) {
      for (let oo = 0; oo < OC; oo++) {
        const q = String(p * OC + oo);
        const value = acc.mode === 'select' ? `arg[${q}]` : acc.result(q);
        writes.push(`if ((outRow < OH) & (col0 + lc + ${p * WGX} < OW) & (oig0 + ${oo} < opg)) {
          result[((b * OH + outRow) * OW + col0 + lc + ${p * WGX}) * Cout + o0 + ${oo}] = ${value};
        }`);
      }
    }

    const loads = tiled
      ? `
      workgroupBarrier();
      let nx = uniforms.inTile.x * uniforms.inTile.y * cc;
      for (var e = i32(localIndex); e < nx; e += ${wgSize}) {
        let c = e % cc;
        let rs = e / cc;
        let ihl = inRow0 + rs / uniforms.inTile.y;
        let iwl = inCol0 + rs % uniforms.inTile.y;
        var v = 0.0;
        if ((ihl >= 0) & (ihl < H) & (iwl >= 0) & (iwl < W)) {
          v = x[((b * H + ihl) * W + iwl) * Cin + g * cpg + c0 + c];
        }
        xTile[e] = v;
      }
      let nw = kh * kw * cc * ${OC};
      for (var e = i32(localIndex); e < nw; e += ${wgSize}) {
        let oo = e % ${OC};
        let rest = e / ${OC};
        var v = 0.0;
        if (oig0 + oo < opg) {
          v = w[((rest / cc) * cpg + c0 + rest % cc) * Cout + o0 + oo];
        }
        wTile[e] = v;
      }
      workgroupBarrier();`
      : '';

    return `
    ${tiled ? `var<workgroup> xTile : array<f32, ${this.xCapacity}>;\n    var<workgroup> wTile : array<f32, ${this.wCapacity}>;` : ''}

    fn main() {
      let H = uniforms.xShape.y;
      let W = uniforms.xShape.z;
      let Cin = uniforms.xShape.w;
      let OH = uniforms.outShape.y;
      let OW = uniforms.outShape.z;
      let Cout = uniforms.outShape.w;
      let kh = uniforms.filterHW.x;
      let kw = uniforms.filterHW.y;
      let cpg = uniforms.cpg;
      let opg = uniforms.opg;
      let groups = Cout / opg;
      let zi = i32(workgroupId.z);
      let oig0 = (zi % uniforms.oBlocks) * ${OC};
      let bg = zi / uniforms.oBlocks;
      let g = bg % groups;
      let b = bg / groups;
      let o0 = g * opg + oig0;
      let row0 = i32(workgroupId.y) * ${WGY};
      let col0 = i32(workgroupId.x) * ${WGX * PX};
      let inRow0 = row0 * uniforms.strides.x - uniforms.pads.x;
      let inCol0 = col0 * uniforms.strides.y - uniforms.pads.y;
      let lr = i32(localId.y);
      let lc = i32(localId.x);
      let outRow = row0 + lr;
      ${acc.declare()}
      for (var c0 = 0; c0 < cpg; c0 += uniforms.chunk) {
        let cc = min(uniforms.chunk, cpg - c0);
        ${loads}
        for (var di = 0; di < kh; di++) {
          let rIn = lr * uniforms.strides.x + di * uniforms.dilations.x;
          let ih = inRow0 + rIn;
          if ((ih < 0) | (ih >= H) | (outRow >= OH)) { continue; }
          for (var dj = 0; dj < kw; dj++) {
            let tap = di * kw + dj;
            ${perPixel.join('\n            ')}
          }
        }
      }
      ${writes.join('\n      ')}
    }`;
  }
}

/**
 * The untiled forward: invocations are laid out over (b, i, j-block, o) with the output channel
 * fastest, so neighbouring invocations read neighbouring filter words and — depthwise — neighbouring
 * input words, or — full convolution — the same input word (a broadcast). Each invocation computes
 * `pixelsPerThread` consecutive pixels of one channel, reading each filter value once for all of
 * them. No workgroup memory and no barriers: on SwiftShader, whose barriers switch between
 * invocations one by one, this beats the tiled program whenever the per-workgroup reuse is small
 * (depthwise / few channels per group); see BENCHMARKS.md.
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
  constructor(sf: Semifield, info: SemifieldConvInfo, private readonly px = 2, private readonly valueOut = false) {
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
    this.dispatch = [ceilDiv(this.outputShape.reduce((a, b) => a * b, 1), 64), 1, 1];
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
