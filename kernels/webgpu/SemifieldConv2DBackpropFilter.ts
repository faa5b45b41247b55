import type {KernelConfig, KernelFunc, TensorInfo} from '@tensorflow/tfjs-core';
import {SEMIFIELD_CONV2D_BACKPROP_FILTER_KERNEL} from '../../src/ops/kernel_names.js';
import {filterInvocationsFor, parallelSliceSum, SemifieldConv2DBackpropFilterSlicedProgram, SliceSumProgram} from './semifield_conv2d_backprop_filter_sliced_webgpu.js';
import {SemifieldConv2DBackpropFilterProgram} from './semifield_conv2d_backprop_filter_webgpu.js';
import {SemifieldConv2DBackpropFilterFactorisedProgram} from './semifield_conv2d_backprop_filter_factorised_webgpu.js';
import {runGradFactorPasses, useFactorisedBackward} from './semifield_conv2d_grad_scale_webgpu.js';
import {isSwiftShader, kernelSetup, type WebGPUBackendLike} from './webgpu_util.js';

/*
 * dL/dfilter on WebGPU, deterministic without atomics: by default per (row slice, block of filter
 * entries) and then a sum over the slices (semifield_conv2d_backprop_filter_sliced_webgpu.ts);
 * the earlier blocked program, one workgroup per block of entries reducing through workgroup
 * memory (semifield_conv2d_backprop_filter_webgpu.ts), stays selectable for comparison. Log on
 * layers with several output channels per group (and root p ≥ 1) takes the sliced layout with the factorised
 * gradient (semifield_conv2d_backprop_filter_factorised_webgpu.ts) unless the blocked program is
 * chosen or setWebGPUFactorisedBackward('never').
 */

let filterProgram: 'sliced' | 'blocked' = 'sliced';
let filterBlocks: {perTerm: number; factorised: [number, number]} | null = null;

/**
 * Override the channel blocks of the dL/dfilter programs (benchmarks): per-term cb = ob = perTerm
 * (default 4), factorised [input, output] channels per invocation (default [8, 16]).
 */
export function setWebGPUFilterBlocks(blocks: {perTerm: number; factorised: [number, number]} | null): void {
  filterBlocks = blocks;
}

/** Choose the dL/dfilter program (benchmarks compare them). */
export function setWebGPUBackpropFilterProgram(program: 'sliced' | 'blocked'): void {
  filterProgram = program;
}

export const semifieldConv2DBackpropFilterWebGPU: KernelFunc = ({inputs, backend, attrs}) => {
  const gpu = backend as unknown as WebGPUBackendLike;
  const {dy, x, filter, aux} = inputs as Record<'dy' | 'x' | 'filter' | 'aux', TensorInfo>;
  const {sf, info} = kernelSetup(attrs, x.shape, filter.shape);
  const byName: Record<string, TensorInfo> = {dy, aux, x, w: filter};
  const swiftShader = isSwiftShader(gpu);
  const sumSlices = (partials: TensorInfo): TensorInfo => {
    const parallel = parallelSliceSum(swiftShader, partials.shape[0]);
    const dw = gpu.runWebGPUProgram(new SliceSumProgram(info, parallel), [partials], 'float32');
    gpu.disposeData(partials.dataId);
    return dw;
  };
  if (filterProgram === 'sliced' && useFactorisedBackward(sf, info, swiftShader)) {
    const factors = runGradFactorPasses(gpu, sf, info, {dy, y: aux, x, filter}, 'filter');
    const partial = new SemifieldConv2DBackpropFilterFactorisedProgram(sf, info, filterBlocks?.factorised[0] ?? 8, filterBlocks?.factorised[1] ?? 16, filterInvocationsFor(swiftShader));
    const inputs = [dy, aux, x, filter, factors.gradFactor, factors.wf];
    const partials = gpu.runWebGPUProgram(partial, inputs, 'float32', partial.uniformData);
    factors.dispose();
    return sumSlices(partials);
  }
  if (filterProgram === 'sliced') {
    const partial = new SemifieldConv2DBackpropFilterSlicedProgram(sf, info, filterBlocks?.perTerm ?? 4, filterInvocationsFor(swiftShader));
    return sumSlices(gpu.runWebGPUProgram(partial, partial.variableNames.map((n) => byName[n]), 'float32', partial.uniformData));
  }
  const program = new SemifieldConv2DBackpropFilterProgram(sf, info);
  return gpu.runWebGPUProgram(program, program.variableNames.map((n) => byName[n]), 'float32', program.uniformData);
};

export const semifieldConv2DBackpropFilterWebGPUConfig: KernelConfig = {
  kernelName: SEMIFIELD_CONV2D_BACKPROP_FILTER_KERNEL,
  backendName: 'webgpu',
  kernelFunc: semifieldConv2DBackpropFilterWebGPU,
};
