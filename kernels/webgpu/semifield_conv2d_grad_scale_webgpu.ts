import type {SemifieldConvInfo} from '../../src/ops/conv_info.js';
import type {FactorisedSnippets, Semifield} from '../../src/semifields/types.js';
import type {TensorInfo} from '@tensorflow/tfjs-core';
import {ScaledFilterProgram} from './semifield_conv2d_factorised_webgpu.js';
import {FACTORISED_MIN_CHANNELS} from './semifield_conv2d_webgpu.js';
import {factorisedSnippets, isFiniteSnippet, semifieldTag} from './semifield_wgsl.js';
import {ceilDiv, geometryUniformDecl, geometryUniforms, type WebGPUBackendLike, type WebGPUProgram} from './webgpu_util.js';

/*
 * Pre-passes of the factorised backward (log; FactorisedSnippets.grad in src/semifields/types.ts).
 * The backward kernels need ∂y/∂t = e^{(x+w−y)/μ} per term; factorised with the window anchor A_p
 * (the dominant x of output pixel p's window, per group) and the filter anchor W_o,
 *
 *     dy_{p,o} · ∂y_{p,o}/∂t = factor(x, A_p) · factor(w, W_o) · R_{p,o},
 *     R_{p,o} = dy_{p,o} · scale(A_p, W_o, y_{p,o}),
 *
 * so the kernels pay one transcendental per x value per window (shared by the output channels) and
 * the factor(w, W_o) of ScaledFilterProgram (the forward's filter pre-pass), and these passes pay
 * one per output. An output whose R cannot be trusted gets R = +∞, which tells the backward kernels
 * to compute its terms with the per-term formula, exactly as the unfactorised programs do: its
 * window holds a non-finite x or is empty (A_p = +∞ / 𝟘), its filter channel a non-finite w, its y
 * or dy is not finite, the scale exceeds grad.maxScale (anchors far from y: FACTORISED_MAX_GRAD_SCALE
 * says why), or |R| exceeds MAX_GRAD_FACTOR (partial sums of up to 1e8 such terms stay finite).
 */

/** Largest |R| the backward kernels accumulate in factorised form (see above). */
const MAX_GRAD_FACTOR = '1e30f';

/**
 * The factorised gradient's snippets (log), or undefined where the semifield has none: ⊗ must be
 * + (so ∂t/∂x = ∂t/∂w = 1) and the factorisation a single part.
 */
export function factorisedGradSnippets(sf: Semifield): (FactorisedSnippets & {grad: NonNullable<FactorisedSnippets['grad']>}) | undefined {
  const f = factorisedSnippets(sf);
  if (f?.grad == null || f.parts !== 1 || sf.multiplicative) return undefined;
  return f as FactorisedSnippets & {grad: NonNullable<FactorisedSnippets['grad']>};
}

/**
 * A_p per output pixel and group, [B, OH, OW, groups]: the dominant x over the window, +∞ where the
 * window holds a non-finite x (its outputs then take the exact path) and anchorInit (𝟘) where it is
 * empty. K·B·OH·OW·groups reads: 1/Cout-per-group of the backward kernels' terms.
 */
export class WindowAnchorProgram implements WebGPUProgram {
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
    const f = factorisedGradSnippets(sf);
    if (f == null) throw new Error(`WindowAnchorProgram: ${sf.key} has no factorised gradient`);
    this.f = f;
    this.outputShape = [info.batch, info.outHeight, info.outWidth, info.groups];
    this.dispatchLayout = {x: [0, 1, 2, 3]};
    this.dispatch = [ceilDiv(info.batch * info.outHeight * info.outWidth * info.groups, 64), 1, 1];
    this.uniformData = geometryUniforms(info);
    this.shaderKey = `semifieldWindowAnchor_${semifieldTag(sf)}`;
  }

  getUserCode(): string {
    const {f} = this;
    return `
    ${isFiniteSnippet}
    fn main(index : i32) {
      let H = uniforms.xShape.y;
      let W = uniforms.xShape.z;
      let Cin = uniforms.xShape.w;
      let OH = uniforms.outShape.y;
      let OW = uniforms.outShape.z;
      let groups = uniforms.outShape.w;
      if (index >= uniforms.outShape.x * OH * OW * groups) { return; }
      let g = index % groups;
      var r = index / groups;
      let j = r % OW;
      r = r / OW;
      let i = r % OH;
      let b = r / OH;
      let cpg = uniforms.cpg;
      var anchor = ${f.anchorInit};
      var finite = true;
      for (var di = 0; di < uniforms.filterHW.x; di++) {
        let ih = i * uniforms.strides.x + di * uniforms.dilations.x - uniforms.pads.x;
        if (ih < 0 || ih >= H) { continue; }
        for (var dj = 0; dj < uniforms.filterHW.y; dj++) {
          let iw = j * uniforms.strides.y + dj * uniforms.dilations.y - uniforms.pads.y;
          if (iw < 0 || iw >= W) { continue; }
          let xBase = ((b * H + ih) * W + iw) * Cin + g * cpg;
          for (var c = 0; c < cpg; c++) {
            let v = x[xBase + c];
            anchor = ${f.combineAnchors('anchor', f.anchorOf('v'))};
            finite = finite && isFiniteF32(v);
          }
        }
      }
      result[index] = select(uniforms.INFINITY, anchor, finite);
    }`;
  }
}

/**
 * R_{p,o} = dy · scale(A_p, W_o, y) per output, [B, OH, OW, Cout], or +∞ where the output must take
 * the exact path. Inputs: dy, y, the anchors of WindowAnchorProgram and ScaledFilterProgram's
 * output (its last two rows: W_o and whether filter channel o is finite).
 */
export class GradScaleProgram implements WebGPUProgram {
  outputShape: number[];
  shaderKey: string;
  dispatchLayout: {x: number[]};
  dispatch: [number, number, number];
  variableNames = ['dy', 'y', 'anchor', 'wf'];
  uniforms = geometryUniformDecl;
  workgroupSize: [number, number, number] = [64, 1, 1];
  readonly uniformData;
  private readonly f: ReturnType<typeof factorisedGradSnippets> & object;

  constructor(sf: Semifield, info: SemifieldConvInfo) {
    const f = factorisedGradSnippets(sf);
    if (f == null) throw new Error(`GradScaleProgram: ${sf.key} has no factorised gradient`);
    this.f = f;
    this.outputShape = [info.batch, info.outHeight, info.outWidth, info.outChannels];
    this.dispatchLayout = {x: [0, 1, 2, 3]};
    this.dispatch = [ceilDiv(info.batch * info.outHeight * info.outWidth * info.outChannels, 64), 1, 1];
    this.uniformData = geometryUniforms(info);
    this.shaderKey = `semifieldGradScale_${semifieldTag(sf)}`;
  }

  getUserCode(): string {
    const {f} = this;
    return `
    ${isFiniteSnippet}
    fn main(index : i32) {
      let Cout = uniforms.outShape.w;
      if (index >= uniforms.outShape.x * uniforms.outShape.y * uniforms.outShape.z * Cout) { return; }
      let o = index % Cout;
      let pixel = index / Cout;
      let groups = uniforms.anchorShape.w;
      let xa = anchor[pixel * groups + o / uniforms.opg];
      let filterRows = uniforms.wfShape.x - 2;
      let wa = wf[filterRows * Cout + o];
      let wFinite = wf[(filterRows + 1) * Cout + o] > 0.5;
      let yv = y[index];
      let g = dy[index];
      let scale = ${f.grad.scale('xa', 'wa', 'yv')};
      let rv = g * scale;
      let trusted = isFiniteF32(xa) && wFinite && isFiniteF32(yv) && isFiniteF32(g) && isFiniteF32(scale) &&
          scale <= ${f.grad.maxScale} && isFiniteF32(rv) && abs(rv) <= ${MAX_GRAD_FACTOR};
      result[index] = select(uniforms.INFINITY, rv, trusted);
    }`;
  }
}

/**
 * When the backward kernels use the factorised programs. 'auto': semifields with a factorised
 * gradient (log) on layers with ≥ FACTORISED_MIN_CHANNELS output channels per group, as the
 * forward — depthwise has nothing to share factor(x, A_p) with.
 */
export type FactorisedBackwardChoice = 'auto' | 'always' | 'never';

let factorisedBackward: FactorisedBackwardChoice = 'auto';

/** Override when the backward kernels run factorised (tests and benchmarks compare the two). */
export function setWebGPUFactorisedBackward(choice: FactorisedBackwardChoice): void {
  factorisedBackward = choice;
}

export function useFactorisedBackward(sf: Semifield, info: SemifieldConvInfo): boolean {
  if (factorisedBackward === 'never' || factorisedGradSnippets(sf) == null) return false;
  return factorisedBackward === 'always' || info.outChannelsPerGroup >= FACTORISED_MIN_CHANNELS;
}

/**
 * The factorised backward's inputs: filter factors and anchors (ScaledFilterProgram), window
 * anchors A_p and R. Each backward kernel runs these itself (tfjs gives kernels no shared state);
 * together they cost O(outputs + window reads per pixel), against O(outputs · K) for the kernel.
 */
export function runGradFactorPasses(
  gpu: WebGPUBackendLike,
  sf: Semifield,
  info: SemifieldConvInfo,
  t: {dy: TensorInfo; y: TensorInfo; x: TensorInfo; filter: TensorInfo},
): {wf: TensorInfo; anchor: TensorInfo; gradFactor: TensorInfo; dispose(): void} {
  const wf = gpu.runWebGPUProgram(new ScaledFilterProgram(sf, info), [t.filter], 'float32');
  const anchorProgram = new WindowAnchorProgram(sf, info);
  const anchor = gpu.runWebGPUProgram(anchorProgram, [t.x], 'float32', anchorProgram.uniformData);
  const scaleProgram = new GradScaleProgram(sf, info);
  const gradFactor = gpu.runWebGPUProgram(scaleProgram, [t.dy, t.y, anchor, wf], 'float32', scaleProgram.uniformData);
  return {
    wf,
    anchor,
    gradFactor,
    dispose: () => {
      for (const d of [wf, anchor, gradFactor]) gpu.disposeData(d.dataId);
    },
  };
}
