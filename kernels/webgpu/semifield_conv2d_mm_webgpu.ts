import type {SemifieldConvInfo} from '../../src/ops/conv_info.js';
import type {FactorisedSnippets, Semifield} from '../../src/semifields/types.js';
import {
  exactOutputSnippet,
  factorisedSnippets,
  isFiniteSnippet,
  semifieldTag,
  windowAnchorSnippet,
} from './semifield_wgsl.js';
import {
  ceilDiv,
  flatWorkgroupIndexSnippet,
  geometryUniformDecl,
  geometryUniforms,
  type ProgramUniform,
  type WebGPUProgram,
} from './webgpu_util.js';

/*
 * The forward pass as an implicit GEMM, shaped for hardware GPUs (issue 14), the way tfjs's
 * conv2d_mm_webgpu.ts / matmul_packed_webgpu.ts do it for (+, ·). Per group g the convolution is
 * a product of M = B·OH·OW output pixels by K = kh·kw·Cin/groups window entries (the im2col
 * matrix, never materialised) with K × N filter entries, N = Cout/groups. A workgroup owns a
 * tile of TM pixels × TN channels; per chunk of TK window entries it stages both operands in
 * workgroup memory (the A tile gathered straight from x with the geometry uniforms), then each
 * invocation combines an RM × RN register block from it. The ⊗/⊕ of the inner loop comes from the
 * semifield:
 *
 * - 'select' (max-plus, min-plus): a running best and its index k beside it in registers. Each
 *   invocation visits k in increasing order, which is the scan order (di, dj, c), so a strict
 *   comparison keeps the first of equal terms: the provenance rule of docs/design.md §4. Entries outside
 *   the image are staged as 𝟘, which never wins (𝟘 + w is 𝟘 or NaN, and NaN compares false).
 *   The program writes the provenance; SelectedTermProgram evaluates y.
 * - 'sum' (linear): a multiply-add. Outside entries are staged as 0; an output that comes out
 *   non-finite (a ±∞ / NaN operand, where 0 · ∞ of a skipped entry would be NaN) is recomputed by
 *   the exact loop, so skipped terms stay skipped.
 * - 'factorised' (log, root p > 0; FactorisedSnippets): the A tile holds factor(x, X_p) per part,
 *   with X_p the window anchor of WindowAnchorProgram, the B tile the filter factors of
 *   ScaledFilterProgram: the inner loop is `parts` plain multiply-adds, one transcendental per
 *   staged x. Outputs the factorised sum cannot vouch for take the exact loop, as in
 *   SemifieldConv2DFactorisedProgram.
 *
 * Tile sizes are baked into the source (they size the workgroup arrays and the register blocks);
 * everything else is a uniform, so one pipeline per (semifield, mode, tile) serves every geometry.
 * No short-circuit operators in the generated code (see anyOf in src/semifields/shader_util.ts).
 */

export type MMMode = 'select' | 'sum' | 'factorised';

/** One tile configuration of the implicit-GEMM programs. */
export interface MMTile {
  /** Output pixels per workgroup tile. */
  tm: number;
  /** Output channels per workgroup tile. */
  tn: number;
  /** Pixels per invocation (register block rows). */
  rm: number;
  /** Channels per invocation (register block columns). */
  rn: number;
  /** Window entries staged per chunk. */
  tk: number;
}

export function mmTileKey(t: MMTile): string {
  return `${t.tm}x${t.tn}_${t.rm}x${t.rn}_k${t.tk}`;
}

/** The tile a key of mmTileKey's form names; throws naming `source` when malformed or not a valid tile. */
export function mmTileFromKey(key: string, source: string): MMTile {
  const m = /^(\d+)x(\d+)_(\d+)x(\d+)_k(\d+)$/.exec(key);
  const tile = m ? {tm: +m[1], tn: +m[2], rm: +m[3], rn: +m[4], tk: +m[5]} : null;
  if (tile == null || !mmTileValid(tile)) {
    throw new Error(
      `${source}: expected an implicit-GEMM tile 'TMxTN_RMxRN_kTK' whose register blocks and chunk map evenly onto at most 256 invocations (e.g. ${MM_TILE_CANDIDATES.map(
        (t) => `'${mmTileKey(t)}'`,
      )
        .slice(0, 3)
        .join(', ')}), but got '${key}'.`,
    );
  }
  return tile;
}

export function mmWorkgroupSize(t: MMTile): number {
  return (t.tm / t.rm) * (t.tn / t.rn);
}

/** Is the tile well formed (loads map evenly onto the workgroup)? */
export function mmTileValid(t: MMTile): boolean {
  const wg = mmWorkgroupSize(t);
  return (
    t.tm % t.rm === 0 &&
    t.tn % t.rn === 0 &&
    wg % t.tk === 0 &&
    wg % t.tn === 0 &&
    wg <= 256 &&
    (t.tk * t.tm) % wg === 0 &&
    (t.tk * t.tn) % wg === 0
  );
}

export function mmModeFor(sf: Semifield): MMMode | null {
  if (sf.gradientRule === 'selection') return sf.multiplicative ? null : 'select';
  if (sf.accumulation === 'sum') return 'sum';
  return factorisedSnippets(sf) != null ? 'factorised' : null;
}

/**
 * Per (output pixel, group): the anchor of the window's x values (FactorisedSnippets.anchorOf,
 * combined over the window; emptyAnchor for an empty / all-𝟘 window) in row 0 and 1 / 0 for
 * "every x of the window is finite" in row 1. Reads ChannelAnchorProgram's per-pixel anchors
 * ([B, H, W, 2·groups]), so kh·kw values per output instead of kh·kw·cpg (one pass over the whole
 * window was a large part of log's forward on hardware; docs/webgpu.md, "Measured decisions").
 */
export class WindowAnchorProgram implements WebGPUProgram {
  outputShape: number[];
  shaderKey: string;
  dispatchLayout: {x: number[]};
  dispatch: [number, number, number];
  variableNames = ['channelAnchor'];
  uniforms = `${geometryUniformDecl}outHW : vec2<i32>, groups : i32, `;
  workgroupSize: [number, number, number] = [64, 1, 1];
  readonly uniformData: ProgramUniform[];
  private readonly f: FactorisedSnippets;

  constructor(sf: Semifield, info: SemifieldConvInfo) {
    const f = factorisedSnippets(sf);
    if (f == null) throw new Error(`WindowAnchorProgram: ${sf.key} has no factorised form`);
    this.f = f;
    const n = info.batch * info.outHeight * info.outWidth * info.groups;
    this.outputShape = [2, n];
    this.dispatchLayout = {x: [0, 1]};
    this.dispatch = [ceilDiv(n, 64), 1, 1];
    this.uniformData = [
      ...geometryUniforms(info),
      {type: 'int32', data: [info.outHeight, info.outWidth]},
      {type: 'int32', data: [info.groups]},
    ];
    this.shaderKey = `semifieldWindowAnchor_${semifieldTag(sf)}`;
  }

  getUserCode(): string {
    const {f} = this;
    return `
    fn main(index : i32) {
      let H = uniforms.channelAnchorShape.y;
      let W = uniforms.channelAnchorShape.z;
      let OH = uniforms.outHW.x;
      let OW = uniforms.outHW.y;
      let G = uniforms.groups;
      let n = uniforms.channelAnchorShape.x * OH * OW * G;
      if (index >= n) { return; }
      let g = index % G;
      let pixel = index / G;
      let j = pixel % OW;
      let i = (pixel / OW) % OH;
      let b = pixel / (OW * OH);
      ${windowAnchorSnippet(f, 'G')}
      result[index] = select(anchor, ${f.emptyAnchor}, anchor == ${f.anchorInit});
      result[n + index] = select(0.0, 1.0, finite);
    }`;
  }
}

export class SemifieldConv2DMMProgram implements WebGPUProgram {
  outputShape: number[];
  shaderKey: string;
  dispatchLayout: {x: number[]};
  dispatch: [number, number, number];
  variableNames: string[];
  uniforms = `${geometryUniformDecl}outHW : vec2<i32>, mBlocks : i32, nBlocks : i32, K : i32, `;
  workgroupSize: [number, number, number];
  readonly uniformData: ProgramUniform[];
  readonly mode: MMMode;
  private readonly f: FactorisedSnippets | undefined;

  /**
   * @param valueOut 'select' mode: write y (the best term) instead of the provenance, for callers
   *     that do not need it (no gradient tape); the index bookkeeping is then dead code.
   */
  constructor(
    private readonly sf: Semifield,
    info: SemifieldConvInfo,
    private readonly tile: MMTile,
    private readonly valueOut = false,
  ) {
    const mode = mmModeFor(sf);
    if (mode == null) throw new Error(`SemifieldConv2DMMProgram: ${sf.key} has no implicit-GEMM form`);
    if (!mmTileValid(tile))
      throw new Error(`SemifieldConv2DMMProgram: tile ${mmTileKey(tile)} does not map onto its workgroup`);
    this.mode = mode;
    this.f = mode === 'factorised' ? factorisedSnippets(sf) : undefined;
    this.variableNames = mode === 'factorised' ? ['x', 'w', 'wf', 'anchors'] : ['x', 'w'];
    this.outputShape = [info.batch, info.outHeight, info.outWidth, info.outChannels];
    const M = info.batch * info.outHeight * info.outWidth;
    const mBlocks = ceilDiv(M, tile.tm);
    const nBlocks = ceilDiv(info.outChannelsPerGroup, tile.tn);
    this.workgroupSize = [mmWorkgroupSize(tile), 1, 1];
    this.dispatchLayout = {x: [0, 1, 2, 3]};
    this.dispatch = [mBlocks * nBlocks * info.groups, 1, 1];
    this.uniformData = [
      ...geometryUniforms(info),
      {type: 'int32', data: [info.outHeight, info.outWidth]},
      {type: 'int32', data: [mBlocks]},
      {type: 'int32', data: [nBlocks]},
      {type: 'int32', data: [info.filterHeight * info.filterWidth * info.inChannelsPerGroup]},
    ];
    this.shaderKey = `semifieldConv2DMM_${semifieldTag(sf)}_${mode}${valueOut && mode === 'select' ? '_value' : ''}_${mmTileKey(tile)}`;
  }

  getUserCode(): string {
    const {tm: TM, tn: TN, rm: RM, rn: RN, tk: TK} = this.tile;
    const {mode, f} = this;
    const P = f?.parts ?? 1;
    const WG = mmWorkgroupSize(this.tile);
    const TX = TN / RN;
    const TY = TM / RM;
    const aLoads = (TK * TM) / WG;
    const bLoads = (TK * TN) / WG;
    const s = this.sf.shader('wgsl');
    // Staged value of an x entry outside the image (or past K).
    const absentA = mode === 'select' ? s.zero : '0.0';

    // A tile: this invocation stages window entry kk = localIndex % TK (consecutive invocations read
    // consecutive channels of a pixel: coalesced) of the rows m = localIndex / TK + r·(WG / TK).
    const TKP = TK * P + 1;
    let aStore: string;
    // Root: a tile whose filter columns have no entry outside the first part (w ≥ 0, root's
    // domain) has zero later-part products — a uniform branch skips staging and multiplying them.
    const skippableParts = mode === 'factorised' && P > 1 && f!.inFirstPart != null;
    const laterParts = (lines: string[]) =>
      skippableParts
        ? [lines[0], `if (allParts) {\n            ${lines.slice(1).join('\n            ')}\n          }`]
        : lines;
    if (mode === 'factorised') {
      const parts = Array.from(
        {length: P},
        (_, part) => `As[row * ${TKP} + kk * ${P} + ${part}] = select(0.0, ${f!.factorPart('v', 'fv', part)}, inside);`,
      );
      aStore = `let v = x[select(0, xAt, inside)];
          let fv = ${f!.factor('v', 'xAnchor[r]')};
          ${laterParts(parts).join('\n          ')}`;
    } else {
      aStore = `As[row * ${TKP} + kk] = select(${absentA}, x[select(0, xAt, inside)], inside);`;
    }
    // B tile: channel n = localIndex % TN, entries kk = localIndex / TN + r·(WG / TN).
    const bStore =
      mode === 'factorised'
        ? laterParts(
            Array.from(
              {length: P},
              (_, part) =>
                `Bs[(kk * ${P} + ${part}) * ${TN} + nLoad] = select(0.0, wf[(k * ${P} + ${part}) * Cout + oLoad], live);`,
            ),
          ).join('\n          ')
        : `Bs[kk * ${TN} + nLoad] = select(0.0, w[k * Cout + oLoad], live);`;

    // Inner loop over the staged chunk.
    // One chunk entry's products for the first `parts` parts.
    const step = (parts: number): string => {
      const lines: string[] = [];
      for (let part = 0; part < parts; part++) {
        lines.push(
          `for (var r = 0; r < ${RM}; r++) { a${part}[r] = As[(ty + r * ${TY}) * ${TKP} + kk * ${P} + ${part}]; }`,
        );
        lines.push(
          `for (var c = 0; c < ${RN}; c++) { b${part}[c] = Bs[(kk * ${P} + ${part}) * ${TN} + tx + c * ${TX}]; }`,
        );
      }
      for (let r = 0; r < RM; r++) {
        for (let c = 0; c < RN; c++) {
          const q = r * RN + c;
          if (mode === 'select') {
            lines.push(
              `{ let t = a0[${r}] + b0[${c}]; let wins = ${s.better!('t', `acc[${q}]`)}; acc[${q}] = select(acc[${q}], t, wins); arg[${q}] = select(arg[${q}], k, wins); }`,
            );
          } else {
            const terms = Array.from({length: parts}, (_, part) => `a${part}[${r}], b${part}[${c}]`);
            lines.push(`acc[${q}] = ${terms.map((t) => `fma(${t}, `).join('')}acc[${q}]${')'.repeat(parts)};`);
          }
        }
      }
      return lines.join('\n          ');
    };
    const chunkStep = skippableParts
      ? `if (allParts) {
          ${step(P)}
          } else {
          ${step(1)}
          }`
      : step(P);

    // Writes, per register-block entry.
    const writes: string[] = [];
    for (let r = 0; r < RM; r++) {
      for (let c = 0; c < RN; c++) {
        const q = r * RN + c;
        let value: string;
        let pre = '';
        if (mode === 'select') value = this.valueOut ? `acc[${q}]` : `arg[${q}]`;
        else if (mode === 'sum') {
          pre = `var v = acc[${q}];
          if (!isFiniteF32(v)) { v = exactOutput(pb[${r}], pi[${r}], pj[${r}], o); }`;
          value = 'v';
        } else {
          pre = `let sv = acc[${q}];
          let ai = pixel[${r}] * G + g;
          var v = ${f!.finalize('anchors[ai]', 'wf[KP * Cout + o]', 'sv')};
          if (!((anchors[nAnchors + ai] > 0.5) & (wf[(KP + 1) * Cout + o] > 0.5) & isFiniteF32(sv) & (sv >= ${f!.minSum}) & isFiniteF32(v))) {
            v = exactOutput(pb[${r}], pi[${r}], pj[${r}], o);
          }`;
          value = 'v';
        }
        writes.push(`if ((pixel[${r}] < M) & (n0 + tx + ${c * TX} < opg)) {
          let o = g * opg + n0 + tx + ${c * TX};
          ${pre}
          result[pixel[${r}] * Cout + o] = ${value};
        }`);
      }
    }

    const accType =
      mode === 'select'
        ? `var acc : array<f32, ${RM * RN}>; var arg : array<i32, ${RM * RN}>;
      for (var q = 0; q < ${RM * RN}; q++) { acc[q] = ${s.zero}; arg[q] = -1; }`
        : `var acc : array<f32, ${RM * RN}>;`;
    const regs = Array.from(
      {length: P},
      (_, part) => `var a${part} : array<f32, ${RM}>; var b${part} : array<f32, ${RN}>;`,
    ).join(' ');
    return `
    ${isFiniteSnippet}
    ${flatWorkgroupIndexSnippet}
    ${mode === 'select' ? '' : exactOutputSnippet(this.sf)}
    var<workgroup> As : array<f32, ${TM * TKP}>;
    var<workgroup> Bs : array<f32, ${TK * TN * P}>;
    ${mode === 'factorised' && P > 1 ? 'var<workgroup> tileLaterParts : u32;' : ''}

    fn main(index : i32) {
      let H = uniforms.xShape.y;
      let W = uniforms.xShape.z;
      let Cin = uniforms.xShape.w;
      let OH = uniforms.outHW.x;
      let OW = uniforms.outHW.y;
      let Cout = uniforms.wShape.w;
      let cpg = uniforms.cpg;
      let opg = uniforms.opg;
      let G = Cout / opg;
      let kw = uniforms.filterHW.y;
      let K = uniforms.K;
      let M = uniforms.xShape.x * OH * OW;
      let wg = flatWorkgroupIndex();
      let nb = wg % uniforms.nBlocks;
      let g = (wg / uniforms.nBlocks) % G;
      let mb = wg / (uniforms.nBlocks * G);
      let m0 = mb * ${TM};
      let n0 = nb * ${TN};
      let lid = i32(localIndex);
      let tx = lid % ${TX};
      let ty = lid / ${TX};

      // The window entry and pixel rows this invocation stages; the rows are decoded once.
      let kkA = lid % ${TK};
      var ih0 : array<i32, ${aLoads}>;
      var iw0 : array<i32, ${aLoads}>;
      var xPixel : array<i32, ${aLoads}>;
      var pLive : array<bool, ${aLoads}>;
      ${
        mode === 'factorised'
          ? `var xAnchor : array<f32, ${aLoads}>;
      let nAnchors = M * G;
      let KP = K * ${P};`
          : ''
      }
      for (var r = 0; r < ${aLoads}; r++) {
        let mg = m0 + lid / ${TK} + r * ${WG / TK};
        pLive[r] = mg < M;
        let pj = mg % OW;
        let pi = (mg / OW) % OH;
        let pb = mg / (OW * OH);
        ih0[r] = pi * uniforms.strides.x - uniforms.pads.x;
        iw0[r] = pj * uniforms.strides.y - uniforms.pads.y;
        xPixel[r] = pb * H * W * Cin + g * cpg;
        ${mode === 'factorised' ? 'xAnchor[r] = anchors[select(0, mg * G + g, pLive[r])];' : ''}
      }
      // The channel this invocation stages.
      let nLoad = lid % ${TN};
      let oLoad = g * opg + min(n0 + nLoad, opg - 1);

      ${accType}
      ${regs}
      ${
        skippableParts
          ? `if (lid == 0) { tileLaterParts = 0u; }
      workgroupBarrier();
      if (lid < ${TN}) {
        if (wf[(KP + 2) * Cout + g * opg + min(n0 + lid, opg - 1)] > 0.5) { tileLaterParts = 1u; }
      }
      let allParts = workgroupUniformLoad(&tileLaterParts) != 0u;`
          : ''
      }
      for (var k0 = 0; k0 < K; k0 = k0 + ${TK}) {
        {
          let kk = kkA;
          let k = k0 + kk;
          let c = k % cpg;
          let tap = k / cpg;
          let dih = (tap / kw) * uniforms.dilations.x;
          let diw = (tap % kw) * uniforms.dilations.y;
          let kLive = k < K;
          for (var r = 0; r < ${aLoads}; r++) {
            let row = lid / ${TK} + r * ${WG / TK};
            let ih = ih0[r] + dih;
            let iw = iw0[r] + diw;
            let inside = pLive[r] & kLive & (ih >= 0) & (ih < H) & (iw >= 0) & (iw < W);
            let xAt = xPixel[r] + (ih * W + iw) * Cin + c;
            ${aStore}
          }
        }
        for (var r = 0; r < ${bLoads}; r++) {
          let kk = lid / ${TN} + r * ${WG / TN};
          let k = min(k0 + kk, K - 1);
          let live = k0 + kk < K;
          ${bStore}
        }
        workgroupBarrier();
        // Entries past K were staged as absent (A 𝟘 or 0, B 0): the loop runs the whole chunk.
        for (var kk = 0; kk < ${TK}; kk++) {
          let k = k0 + kk;
          ${chunkStep}
        }
        workgroupBarrier();
      }

      var pixel : array<i32, ${RM}>;
      var pb : array<i32, ${RM}>;
      var pi : array<i32, ${RM}>;
      var pj : array<i32, ${RM}>;
      for (var r = 0; r < ${RM}; r++) {
        let m = m0 + ty + r * ${TY};
        pixel[r] = m;
        pj[r] = m % OW;
        pi[r] = (m / OW) % OH;
        pb[r] = m / (OW * OH);
      }
      ${writes.join('\n      ')}
    }`;
  }
}

/**
 * The tile 'auto' uses: channels per tile follow the group's channel count (a tile wider than the
 * group wastes lanes): 128 × 64 pixels × channels (8 × 4 per invocation) from 64 channels per
 * group, 64 × 32 (4 × 2) from 32 — the best fixed choices measured on hardware (docs/webgpu.md, "Measured decisions");
 * narrower groups are unmeasured.
 */
export function defaultMMTile(opg: number): MMTile {
  if (opg >= 64) return {tm: 128, tn: 64, rm: 8, rn: 4, tk: 16};
  if (opg >= 32) return {tm: 64, tn: 32, rm: 4, rn: 2, tk: 16};
  if (opg >= 16) return {tm: 64, tn: 16, rm: 4, rn: 1, tk: 16};
  return {tm: 64, tn: 8, rm: 4, rn: 1, tk: 16};
}

/** Every tile the tuner and the benchmarks consider (each runs in the Node and browser suites). */
export const MM_TILE_CANDIDATES: MMTile[] = [
  {tm: 64, tn: 64, rm: 4, rn: 4, tk: 16},
  {tm: 128, tn: 64, rm: 8, rn: 4, tk: 16},
  {tm: 32, tn: 64, rm: 2, rn: 4, tk: 16},
  {tm: 64, tn: 64, rm: 4, rn: 4, tk: 8},
  {tm: 128, tn: 128, rm: 8, rn: 8, tk: 8},
  {tm: 64, tn: 32, rm: 4, rn: 2, tk: 16},
  {tm: 128, tn: 32, rm: 8, rn: 2, tk: 16},
  {tm: 32, tn: 32, rm: 2, rn: 2, tk: 16},
  {tm: 64, tn: 16, rm: 4, rn: 1, tk: 16},
  {tm: 64, tn: 8, rm: 4, rn: 1, tk: 16},
];
