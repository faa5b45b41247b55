import type {KernelConfig, KernelFunc, TensorInfo} from '@tensorflow/tfjs-core';
import {SEMIFIELD_CONV2D_KERNEL} from '../../src/ops/kernel_names.js';
import {ScaledFilterProgram, SemifieldConv2DFactorisedProgram} from './semifield_conv2d_factorised_webgpu.js';
import {defaultMMTile, SemifieldConv2DMMProgram, WindowAnchorProgram} from './semifield_conv2d_mm_webgpu.js';
import {ChannelAnchorProgram} from './semifield_conv2d_grad_scale_webgpu.js';
import {
  channelsPerThreadAuto,
  channelsPerThreadFor,
  chooseForwardProgram,
  defaultForwardTiling,
  pixelsPerThreadFor,
  type ForwardTiling,
  SelectedTermProgram,
  SemifieldConv2DDirectProgram,
  SemifieldConv2DProgram,
} from './semifield_conv2d_webgpu.js';
import {isSwiftShader, kernelSetup, type WebGPUBackendLike} from './webgpu_util.js';

/*
 * Fused forward pass on WebGPU: one ⊗/⊕ program, tiled through workgroup memory or direct
 * (semifield_conv2d_webgpu.ts), or for log / root p > 0 the factorised program after a pass over
 * the filter (semifield_conv2d_factorised_webgpu.ts); chooseForwardProgram says which and why. Selection
 * semifields get [y, provenance]: the program writes the provenance and a second, O(1)-per-output
 * program evaluates the selected term, since a tfjs WebGPU program has one output binding.
 */

let forwardTiling: ForwardTiling = defaultForwardTiling;

/** Override the forward tiling (benchmarks use this to record what each choice gives). */
export function setWebGPUForwardTiling(tiling: Partial<ForwardTiling> | null): void {
  forwardTiling = tiling == null ? defaultForwardTiling : {...defaultForwardTiling, ...tiling};
}

export const semifieldConv2DWebGPU: KernelFunc = ({inputs, backend, attrs}) => {
  const gpu = backend as unknown as WebGPUBackendLike;
  const {x, filter} = inputs as {x: TensorInfo; filter: TensorInfo};
  const {sf, info} = kernelSetup(attrs, x.shape, filter.shape);
  const kind = chooseForwardProgram(forwardTiling, sf, info, isSwiftShader(gpu));
  // Selection semifields outside a gradient tape: y alone, straight from the main program.
  const valueOnly = sf.kind === 'selection' && (attrs as {provenance?: boolean}).provenance === false;
  if (kind === 'mm') {
    const tile = forwardTiling.mmTile === 'auto' ? defaultMMTile(info.outChannelsPerGroup) : forwardTiling.mmTile;
    const mm = new SemifieldConv2DMMProgram(sf, info, tile, valueOnly);
    if (mm.mode === 'factorised') {
      const factors = gpu.runWebGPUProgram(new ScaledFilterProgram(sf, info), [filter], 'float32');
      const channelProgram = new ChannelAnchorProgram(sf, info);
      const channelAnchors = gpu.runWebGPUProgram(channelProgram, [x], 'float32', channelProgram.uniformData);
      const anchorProgram = new WindowAnchorProgram(sf, info);
      const anchors = gpu.runWebGPUProgram(anchorProgram, [channelAnchors], 'float32', anchorProgram.uniformData);
      gpu.disposeData(channelAnchors.dataId);
      const y = gpu.runWebGPUProgram(mm, [x, filter, factors, anchors], 'float32', mm.uniformData);
      gpu.disposeData(factors.dataId);
      gpu.disposeData(anchors.dataId);
      return [y];
    }
    if (mm.mode === 'select' && valueOnly) return [gpu.runWebGPUProgram(mm, [x, filter], 'float32', mm.uniformData)];
    if (mm.mode === 'select') {
      const provenance = gpu.runWebGPUProgram(mm, [x, filter], 'int32', mm.uniformData);
      const selected = new SelectedTermProgram(sf, info);
      const y = gpu.runWebGPUProgram(selected, [x, filter, provenance], 'float32', selected.uniformData);
      return [y, provenance];
    }
    return [gpu.runWebGPUProgram(mm, [x, filter], 'float32', mm.uniformData)];
  }
  if (kind === 'factorised') {
    // Filter factors and anchors first (a small pass over the filter), then the convolution.
    const scaled = new ScaledFilterProgram(sf, info);
    const factors = gpu.runWebGPUProgram(scaled, [filter], 'float32');
    const px = pixelsPerThreadFor(forwardTiling, info, 'factorised');
    const oc = channelsPerThreadFor(channelsPerThreadAuto(forwardTiling, 'factorised'), info.outChannelsPerGroup);
    const conv = new SemifieldConv2DFactorisedProgram(sf, info, px, oc);
    const y = gpu.runWebGPUProgram(conv, [x, filter, factors], 'float32', conv.uniformData);
    gpu.disposeData(factors.dataId);
    return [y];
  }
  const program =
    kind === 'tiled'
      ? new SemifieldConv2DProgram(sf, info, forwardTiling)
      : new SemifieldConv2DDirectProgram(sf, info, pixelsPerThreadFor(forwardTiling, info, 'direct'), valueOnly);
  if (valueOnly && kind === 'direct') return [gpu.runWebGPUProgram(program, [x, filter], 'float32', program.uniformData)];
  if (sf.kind === 'selection') {
    const provenance = gpu.runWebGPUProgram(program, [x, filter], 'int32', program.uniformData);
    const selected = new SelectedTermProgram(sf, info);
    const y = gpu.runWebGPUProgram(selected, [x, filter, provenance], 'float32', selected.uniformData);
    return [y, provenance];
  }
  return [gpu.runWebGPUProgram(program, [x, filter], 'float32', program.uniformData)];
};

export const semifieldConv2DWebGPUConfig: KernelConfig = {
  kernelName: SEMIFIELD_CONV2D_KERNEL,
  backendName: 'webgpu',
  kernelFunc: semifieldConv2DWebGPU,
};
