import type {SemifieldConvInfo} from '../../src/ops/conv_info.js';
import type {FactorisedSnippets, Semifield} from '../../src/semifields/types.js';
import type {TensorInfo} from '@tensorflow/tfjs-core';
import {ScaledFilterProgram, SCALED_FILTER_EXTRA_ROWS} from './semifield_conv2d_factorised_webgpu.js';
import {FACTORISED_MIN_CHANNELS} from './semifield_conv2d_webgpu.js';
import {factorisedSnippets, isFiniteSnippet, semifieldTag, windowAnchorSnippet} from './semifield_wgsl.js';
import {FACTORISED_BACKWARD_FLAG, webgpuFlag} from './flags.js';
import {
  ceilDiv,
  flatWorkgroupIndexSnippet,
  geometryUniformDecl,
  geometryUniforms,
  type WebGPUBackendLike,
  type WebGPUProgram,
} from './webgpu_util.js';

/*
 * Pre-passes of the factorised backward (log, root p ≥ 1; FactorisedSnippets.grad in
 * src/semifields/types.ts). The backward kernels need dy·∂y/∂t·∂t/∂a per term; factorised with the
 * window anchor A_p (the dominant x of output pixel p's window, per group) and the filter anchor
 * W_o,
 *
 *     dy_{p,o} · ∂y_{p,o}/∂t · ∂t/∂a = Σ_part ownPart(a, own(a, ·), part) · factorPart(b, factor(b, ·), part) · R_{p,o},
 *     R_{p,o} = dy_{p,o} · scale(A_p, W_o, y_{p,o}) · partnerWeight(B)
 *
 * (a the operand the kernel differentiates by, b its partner with anchor B: W_o for dL/dx, A_p for
 * dL/dw), so the kernels pay one transcendental per x value per window (shared by the output
 * channels) and the filter factors of ScaledFilterProgram (the forward's filter pre-pass), and
 * these passes pay one per output. An output whose R cannot be trusted goes to the exact path (R =
 * +∞ in the exact copy of GradFactorProgram's buffer, 0 in the fast copy): the backward kernels
 * compute its terms with the per-term formula, exactly as the unfactorised programs do: its window holds a non-finite x (A_p = +∞), its filter channel a non-finite w, its
 * y or dy is not finite, the scale exceeds grad.maxScale (anchors far from y:
 * FACTORISED_MAX_GRAD_SCALE says why), or |R| exceeds MAX_GRAD_FACTOR (partial sums of up to 1e8
 * such terms stay finite). An output y = 𝟘 with finite dy gets R = 0: every ∂y/∂t is 0 there
 * (root: a window or filter channel of zeros — common after a ReLU — needs no exact pass).
 */

/** Largest |R| the backward kernels accumulate in factorised form (see above). */
const MAX_GRAD_FACTOR = '1e30f';

/** The factorised gradient's snippets (log, root p ≥ 1), or undefined where the semifield has none. */
export function factorisedGradSnippets(
  sf: Semifield,
): (FactorisedSnippets & {grad: NonNullable<FactorisedSnippets['grad']>}) | undefined {
  const f = factorisedSnippets(sf);
  if (f?.grad == null) return undefined;
  return f as FactorisedSnippets & {grad: NonNullable<FactorisedSnippets['grad']>};
}

/** Which operand a backward kernel differentiates by: dL/dx ('input') or dL/dw ('filter'). */
export type GradOperand = 'input' | 'filter';

/**
 * The dominant anchorOf(x) over each input pixel's channels of each group, and whether they are all
 * finite: [B, H, W, 2·groups] (anchor, then 1 or 0, per group). The first half of the window anchor, so that GradFactorProgram reads
 * kh·kw values per output pixel instead of kh·kw·cpg (3×3 × 16 channels: 9 instead of 144 reads).
 * One invocation per pixel and group: a coalesced layout like GradFactorProgram's (lanes over the
 * channels, partial anchors combined through workgroup memory) measured slower on hardware
 * (docs/webgpu.md, "Measured decisions").
 */
export class ChannelAnchorProgram implements WebGPUProgram {
  outputShape: number[];
  shaderKey: string;
  dispatchLayout: {x: number[]};
  dispatch: [number, number, number];
  variableNames = ['x'];
  uniforms = geometryUniformDecl;
  workgroupSize: [number, number, number] = [64, 1, 1];
  readonly uniformData;
  private readonly f: FactorisedSnippets;

  constructor(sf: Semifield, info: SemifieldConvInfo) {
    // The anchors are the forward's (FactorisedSnippets), so the forward's window anchors use it too.
    const f = factorisedSnippets(sf);
    if (f == null) throw new Error(`ChannelAnchorProgram: ${sf.key} has no factorised form`);
    this.f = f;
    this.outputShape = [info.batch, info.inHeight, info.inWidth, 2 * info.groups];
    this.dispatchLayout = {x: [0, 1, 2, 3]};
    this.dispatch = [ceilDiv(info.batch * info.inHeight * info.inWidth * info.groups, 64), 1, 1];
    this.uniformData = geometryUniforms(info);
    this.shaderKey = `semifieldChannelAnchor_${semifieldTag(sf)}`;
  }

  getUserCode(): string {
    const {f} = this;
    return `
    ${isFiniteSnippet}
    fn main(index : i32) {
      let cpg = uniforms.cpg;
      let groups = uniforms.xShape.w / cpg;
      if (index >= uniforms.xShape.x * uniforms.xShape.y * uniforms.xShape.z * groups) { return; }
      let xBase = index * cpg;
      var anchor = ${f.anchorInit};
      var finite = true;
      for (var c = 0; c < cpg; c++) {
        let v = x[xBase + c];
        anchor = ${f.combineAnchors('anchor', f.anchorOf('v'))};
        finite = finite & isFiniteF32(v);
      }
      result[index * 2] = anchor;
      result[index * 2 + 1] = select(0.0, 1.0, finite);
    }`;
  }
}

/**
 * The window anchors and R in one flat buffer (gradFactorLayout): R_{p,o} = dy · scale(A_p, W_o, y)
 * · partnerWeight(B) per output ([B, OH, OW, Cout] order; B is W_o for dL/dx, A_p for dL/dw) twice —
 * first with 0 where the output must take the exact path (what the kernels' inner loops read, with
 * no test), then with +∞ there (what marks the exact outputs) — then A_p per output pixel and group
 * ([B, OH, OW, groups] order; +∞ where the window holds a non-finite x, emptyAnchor where it is
 * empty or, for root, all zeros — its factors are all 0 and its outputs 𝟘, so R = 0), then per
 * output pixel and group 1 if any of its outputs takes the exact path, else 0 (one test per pixel
 * in the kernels instead of one per output). One invocation per output pixel and group: the
 * window's anchor from ChannelAnchorProgram's, then R for the group's output channels. Inputs: dy, y, ChannelAnchorProgram's output and ScaledFilterProgram's (its last two
 * rows: W_o and whether filter channel o is finite).
 */
export class GradFactorProgram implements WebGPUProgram {
  outputShape: number[];
  shaderKey: string;
  dispatchLayout: {x: number[]};
  dispatch: [number, number, number];
  variableNames = ['dy', 'y', 'channelAnchor', 'wf'];
  uniforms = geometryUniformDecl;
  workgroupSize: [number, number, number] = [64, 1, 1];
  readonly uniformData;
  private readonly f: ReturnType<typeof factorisedGradSnippets> & object;

  /**
   * @param lanes invocations per (output pixel, group), a power of two ≤ 64. 1 (SwiftShader): each
   *     invocation walks the group's output channels alone, no barrier. More (hardware GPUs,
   *     gradFactorLanes): neighbouring invocations take neighbouring output channels, so every read
   *     of dy / y and write of R is coalesced, and the exact flag is an OR through workgroup
   *     memory — one invocation per pixel reading Cout-strided words made this pass the largest
   *     part of log's dL/dx on hardware (docs/webgpu.md, "Measured decisions").
   */
  constructor(
    private readonly sf: Semifield,
    info: SemifieldConvInfo,
    private readonly operand: GradOperand,
    private readonly lanes = 1,
  ) {
    const f = factorisedGradSnippets(sf);
    if (f == null) throw new Error(`GradFactorProgram: ${sf.key} has no factorised gradient`);
    if (!(lanes >= 1 && lanes <= 64 && (lanes & (lanes - 1)) === 0))
      throw new Error(`GradFactorProgram: lanes must be a power of two in [1, 64], got ${lanes}`);
    this.f = f;
    const pixels = info.batch * info.outHeight * info.outWidth;
    this.outputShape = [2 * pixels * (info.outChannels + info.groups)];
    this.dispatchLayout = {x: [0]};
    const workgroups = ceilDiv(pixels * info.groups * lanes, 64);
    // More than 65535 workgroups along one dimension is not allowed: fold into y.
    const wx = Math.min(workgroups, 32768);
    this.dispatch = [wx, ceilDiv(workgroups, wx), 1];
    this.uniformData = geometryUniforms(info);
    this.shaderKey = `semifieldGradFactor_${semifieldTag(sf)}_${f.grad.partnerWeight ? operand : ''}_l${lanes}`;
  }

  getUserCode(): string {
    const {f, lanes: L} = this;
    const rows = 64 / L;
    const partner = this.operand === 'input' ? 'wa' : 'xa';
    const weighted = f.grad.partnerWeight ? `gv * scale * ${f.grad.partnerWeight(partner)}` : 'gv * scale';
    const zero = this.sf.shader('wgsl').zero;
    return `
    ${isFiniteSnippet}
    ${flatWorkgroupIndexSnippet}
    ${L > 1 ? `var<workgroup> exactRows : array<atomic<u32>, ${rows}>;` : ''}
    fn main(index : i32) {
      let H = uniforms.channelAnchorShape.y;
      let W = uniforms.channelAnchorShape.z;
      let groups = uniforms.channelAnchorShape.w / 2;
      let OH = uniforms.dyShape.y;
      let OW = uniforms.dyShape.z;
      let Cout = uniforms.dyShape.w;
      let pixels = uniforms.dyShape.x * OH * OW;
      let lid = i32(localIndex);
      let lane = lid % ${L};
      let rowInGroup = lid / ${L};
      let row = flatWorkgroupIndex() * ${rows} + rowInGroup;
      let live = row < pixels * groups;
      ${
        L > 1
          ? `if (lane == 0) { atomicStore(&exactRows[rowInGroup], 0u); }
      workgroupBarrier();`
          : ''
      }
      var anyExact = false;
      if (live) {
        let g = row % groups;
        let pixel = row / groups;
        let j = pixel % OW;
        let i = (pixel / OW) % OH;
        let b = pixel / (OW * OH);
        ${windowAnchorSnippet(f, 'groups')}
        anchor = select(anchor, ${f.emptyAnchor}, anchor == ${f.anchorInit});
        let xa = select(uniforms.INFINITY, anchor, finite);
        if (lane == 0) { result[2 * pixels * Cout + row] = xa; }
        let filterRows = uniforms.wfShape.x - ${SCALED_FILTER_EXTRA_ROWS};
        let opg = uniforms.opg;
        for (var oo = lane; oo < opg; oo += ${L}) {
          let o = g * opg + oo;
          let at = pixel * Cout + o;
          let wa = wf[filterRows * Cout + o];
          let wFinite = wf[(filterRows + 1) * Cout + o] > 0.5;
          let yv = y[at];
          let gv = dy[at];
          let scale = ${f.grad.scale('xa', 'wa', 'yv')};
          let rv = ${weighted};
          let trusted = finite & wFinite & isFiniteF32(yv) & isFiniteF32(gv) & isFiniteF32(scale) &
              (scale <= ${f.grad.maxScale}) & isFiniteF32(rv) & (abs(rv) <= ${MAX_GRAD_FACTOR});
          // y = 𝟘: every ∂y/∂t is 0 (as the exact formula has it), whatever the anchors.
          let none = (yv == ${zero}) & finite & wFinite & isFiniteF32(gv);
          let fast = trusted | none;
          result[at] = select(0.0, select(rv, 0.0, none), fast);
          result[pixels * Cout + at] = select(uniforms.INFINITY, select(rv, 0.0, none), fast);
          anyExact = anyExact | !fast;
        }
      }
      ${
        L > 1
          ? `if (anyExact) { atomicOr(&exactRows[rowInGroup], 1u); }
      workgroupBarrier();
      if (live & (lane == 0)) {
        result[2 * pixels * Cout + pixels * groups + row] = select(0.0, 1.0, atomicLoad(&exactRows[rowInGroup]) != 0u);
      }`
          : `if (live) { result[2 * pixels * Cout + pixels * groups + row] = select(0.0, 1.0, anyExact); }`
      }
    }`;
  }
}

/** Lanes per (pixel, group) of GradFactorProgram: the group's channels up to 64 on hardware, 1 on SwiftShader. */
export function gradFactorLanes(info: SemifieldConvInfo, swiftShader: boolean): number {
  if (swiftShader) return 1;
  let lanes = 1;
  while (lanes < info.outChannelsPerGroup && lanes < 64) lanes *= 2;
  return lanes;
}

/**
 * Whether the backward kernels' fixed default is the factorised program: for semifields with a
 * factorised gradient (log, root p ≥ 1) on layers with ≥ FACTORISED_MIN_CHANNELS output channels
 * per group, as the forward (depthwise has nothing to share factor(x, A_p) with). On SwiftShader
 * since the factorised programs were written; on hardware GPUs since GradFactorProgram reads
 * coalesced (gradFactorLanes), which made the factorised passes the faster ones there
 * (docs/webgpu.md, "Measured decisions").
 * SEMIFIELD_WEBGPU_FACTORISED_BACKWARD 'always' / 'never' overrides.
 */
export function useFactorisedBackward(sf: Semifield, info: SemifieldConvInfo): boolean {
  const flag = webgpuFlag(FACTORISED_BACKWARD_FLAG);
  if (flag === 'never' || factorisedGradSnippets(sf) == null) return false;
  return flag === 'always' || info.outChannelsPerGroup >= FACTORISED_MIN_CHANNELS;
}

/** Is the factorised backward a candidate (a factorised gradient and channels to share factors among)? */
export function factorisedBackwardPossible(sf: Semifield, info: SemifieldConvInfo): boolean {
  return factorisedGradSnippets(sf) != null && info.outChannelsPerGroup >= FACTORISED_MIN_CHANNELS;
}

/**
 * WGSL `let`s with the offsets of GradFactorProgram's regions, for a kernel with uniform dyShape
 * (dy's shape) and a `groups` in scope: rFast (R, 0 for exact outputs) at 0, rExact (R, +∞ for exact
 * outputs) at `rExactBase`, A_p at `aBase`, the per-pixel-and-group exact flag at `flagBase`.
 */
export const gradFactorLayout = `
      let outputsTotal = uniforms.dyShape.x * uniforms.dyShape.y * uniforms.dyShape.z * uniforms.dyShape.w;
      let rExactBase = outputsTotal;
      let aBase = 2 * outputsTotal;
      let flagBase = aBase + uniforms.dyShape.x * uniforms.dyShape.y * uniforms.dyShape.z * groups;`;

/**
 * The factorised backward's inputs: filter factors and anchors (ScaledFilterProgram) and the
 * combined R / window-anchor buffer of GradFactorProgram (gradFactorLayout). Each backward kernel runs these itself (tfjs gives kernels no
 * shared state); together they cost O(outputs + (cpg + kh·kw) per pixel), against O(outputs · K)
 * for the kernel.
 */
export function runGradFactorPasses(
  gpu: WebGPUBackendLike,
  sf: Semifield,
  info: SemifieldConvInfo,
  t: {dy: TensorInfo; y: TensorInfo; x: TensorInfo; filter: TensorInfo},
  operand: GradOperand,
  lanes = 1,
): {wf: TensorInfo; gradFactor: TensorInfo; dispose(): void} {
  const wf = gpu.runWebGPUProgram(new ScaledFilterProgram(sf, info), [t.filter], 'float32');
  const channelProgram = new ChannelAnchorProgram(sf, info);
  const channelAnchor = gpu.runWebGPUProgram(channelProgram, [t.x], 'float32', channelProgram.uniformData);
  const factorProgram = new GradFactorProgram(sf, info, operand, lanes);
  const gradFactor = gpu.runWebGPUProgram(
    factorProgram,
    [t.dy, t.y, channelAnchor, wf],
    'float32',
    factorProgram.uniformData,
  );
  gpu.disposeData(channelAnchor.dataId);
  return {
    wf,
    gradFactor,
    dispose: () => {
      for (const d of [wf, gradFactor]) gpu.disposeData(d.dataId);
    },
  };
}
