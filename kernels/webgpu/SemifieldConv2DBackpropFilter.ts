import type {KernelConfig, KernelFunc, TensorInfo} from '@tensorflow/tfjs-core';
import {SemifieldConv2DBackpropFilter} from '../../src/ops/kernel_names.js';
import {SemifieldConv2DBackpropFilterProgram} from './semifield_conv2d_backprop_filter_webgpu.js';
import {kernelSetup, type WebGPUBackendLike} from './webgpu_util.js';

/*
 * dL/dfilter on WebGPU: one workgroup per filter entry reduces over batch and space with a fixed
 * tree (semifield_conv2d_backprop_filter_webgpu.ts), so the result is deterministic without atomics.
 */
export const semifieldConv2DBackpropFilterWebGPU: KernelFunc = ({inputs, backend, attrs}) => {
  const gpu = backend as unknown as WebGPUBackendLike;
  const {dy, x, filter, aux} = inputs as Record<'dy' | 'x' | 'filter' | 'aux', TensorInfo>;
  const {sf, info} = kernelSetup(attrs, x.shape, filter.shape);
  const program = new SemifieldConv2DBackpropFilterProgram(sf, info);
  const byName: Record<string, TensorInfo> = {dy, aux, x, w: filter};
  return gpu.runWebGPUProgram(program, program.variableNames.map((n) => byName[n]), 'float32', program.uniformData);
};

export const semifieldConv2DBackpropFilterWebGPUConfig: KernelConfig = {
  kernelName: SemifieldConv2DBackpropFilter,
  backendName: 'webgpu',
  kernelFunc: semifieldConv2DBackpropFilterWebGPU,
};
