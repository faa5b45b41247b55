import type {KernelConfig, KernelFunc, TensorInfo} from '@tensorflow/tfjs-core';
import {SemifieldConv2DBackpropFilter} from '../../src/ops/kernel_names.js';
import {
  DepthwiseFilterSliceSumProgram,
  isPureDepthwise,
  SemifieldConv2DBackpropFilterDepthwiseProgram,
} from './semifield_conv2d_backprop_filter_depthwise_webgpu.js';
import {SemifieldConv2DBackpropFilterProgram} from './semifield_conv2d_backprop_filter_webgpu.js';
import {kernelSetup, type WebGPUBackendLike} from './webgpu_util.js';

/*
 * dL/dfilter on WebGPU: one workgroup per block of filter entries reduces over batch and space
 * with a fixed tree (semifield_conv2d_backprop_filter_webgpu.ts); depthwise layers (one input and
 * one output channel per group) instead sum per (row slice, entry) and then over the slices
 * (semifield_conv2d_backprop_filter_depthwise_webgpu.ts). Both are deterministic without atomics.
 */

let depthwiseFilterProgram = true;

/** Turn the depthwise dL/dfilter programs off or on (benchmarks compare them with the general one). */
export function setWebGPUDepthwiseFilterProgram(enabled: boolean): void {
  depthwiseFilterProgram = enabled;
}
export const semifieldConv2DBackpropFilterWebGPU: KernelFunc = ({inputs, backend, attrs}) => {
  const gpu = backend as unknown as WebGPUBackendLike;
  const {dy, x, filter, aux} = inputs as Record<'dy' | 'x' | 'filter' | 'aux', TensorInfo>;
  const {sf, info} = kernelSetup(attrs, x.shape, filter.shape);
  const byName: Record<string, TensorInfo> = {dy, aux, x, w: filter};
  if (depthwiseFilterProgram && isPureDepthwise(info)) {
    const partial = new SemifieldConv2DBackpropFilterDepthwiseProgram(sf, info);
    const partials = gpu.runWebGPUProgram(partial, partial.variableNames.map((n) => byName[n]), 'float32', partial.uniformData);
    const dw = gpu.runWebGPUProgram(new DepthwiseFilterSliceSumProgram(info), [partials], 'float32');
    gpu.disposeData(partials.dataId);
    return dw;
  }
  const program = new SemifieldConv2DBackpropFilterProgram(sf, info);
  return gpu.runWebGPUProgram(program, program.variableNames.map((n) => byName[n]), 'float32', program.uniformData);
};

export const semifieldConv2DBackpropFilterWebGPUConfig: KernelConfig = {
  kernelName: SemifieldConv2DBackpropFilter,
  backendName: 'webgpu',
  kernelFunc: semifieldConv2DBackpropFilterWebGPU,
};
