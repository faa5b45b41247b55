import type {KernelConfig, KernelFunc, TensorInfo} from '@tensorflow/tfjs-core';
import {SEMIFIELD_CONV2D_BACKPROP_INPUT_KERNEL} from '../../src/ops/kernel_names.js';
import {SemifieldConv2DBackpropInputFactorisedProgram} from './semifield_conv2d_backprop_input_factorised_webgpu.js';
import {SemifieldConv2DBackpropInputProgram} from './semifield_conv2d_backprop_input_webgpu.js';
import {runGradFactorPasses, useFactorisedBackward} from './semifield_conv2d_grad_scale_webgpu.js';
import {isSwiftShader, kernelSetup, type WebGPUBackendLike} from './webgpu_util.js';

/*
 * dL/dx on WebGPU: a deterministic gather over the outputs each input pixel feeds
 * (semifield_conv2d_backprop_input_webgpu.ts). aux is the provenance (selection) or y (invertible).
 * Log and root p ≥ 1 on layers with several output channels per group: the same gather with the factorised
 * gradient (semifield_conv2d_backprop_input_factorised_webgpu.ts).
 */

let inputPixelsPerThread: number | 'auto' = 'auto';

/** Override input pixels per invocation (benchmarks record what each choice gives). */
export function setWebGPUBackpropInputPixelsPerThread(n: number | 'auto'): void {
  inputPixelsPerThread = n;
}

export const semifieldConv2DBackpropInputWebGPU: KernelFunc = ({inputs, backend, attrs}) => {
  const gpu = backend as unknown as WebGPUBackendLike;
  const {dy, x, filter, aux} = inputs as Record<'dy' | 'x' | 'filter' | 'aux', TensorInfo>;
  const {sf, info} = kernelSetup(attrs, x.shape, filter.shape);
  const swiftShader = isSwiftShader(gpu);
  if (useFactorisedBackward(sf, info, swiftShader)) {
    const factors = runGradFactorPasses(gpu, sf, info, {dy, y: aux, x, filter}, 'input');
    // 16 pixels per invocation share each filter-factor read: 1.06–1.38× faster than 8, which was
    // 1.4× faster than 4, on log and root 3×3 16→16 and 5×5 32→32 (BENCHMARKS.md, "WebGPU"); 32
    // lost the Dawn / SwiftShader device on the 5×5 layer.
    const px = inputPixelsPerThread === 'auto' ? 16 : inputPixelsPerThread;
    const program = new SemifieldConv2DBackpropInputFactorisedProgram(sf, info, px);
    const inputs = [dy, aux, x, filter, factors.gradFactor, factors.wf];
    const dx = gpu.runWebGPUProgram(program, inputs, 'float32', program.uniformData);
    factors.dispose();
    return dx;
  }
  // Hardware: 8 pixels per invocation measured faster than 4 on the H200's full-convolution layers
  // (linear [32,128,128,64] 3×3: 5.9 vs 10.5 ms; docs/webgpu.md); SwiftShader keeps 4.
  const px = inputPixelsPerThread === 'auto' ? (swiftShader ? 4 : 8) : inputPixelsPerThread;
  const program = new SemifieldConv2DBackpropInputProgram(sf, info, px);
  const byName: Record<string, TensorInfo> = {dy, aux, x, w: filter};
  return gpu.runWebGPUProgram(program, program.variableNames.map((n) => byName[n]), 'float32', program.uniformData);
};

export const semifieldConv2DBackpropInputWebGPUConfig: KernelConfig = {
  kernelName: SEMIFIELD_CONV2D_BACKPROP_INPUT_KERNEL,
  backendName: 'webgpu',
  kernelFunc: semifieldConv2DBackpropInputWebGPU,
};
