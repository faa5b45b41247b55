import {getKernel, registerKernel, type KernelConfig} from '@tensorflow/tfjs-core';
import {semifieldConv2DWebGPUConfig} from './SemifieldConv2D.js';
import {semifieldConv2DBackpropFilterWebGPUConfig} from './SemifieldConv2DBackpropFilter.js';
import {semifieldConv2DBackpropInputWebGPUConfig} from './SemifieldConv2DBackpropInput.js';

/** Every fused webgpu kernel (see kernels/webgpu/*.ts). */
export const webgpuKernelConfigs: KernelConfig[] = [
  semifieldConv2DWebGPUConfig,
  semifieldConv2DBackpropInputWebGPUConfig,
  semifieldConv2DBackpropFilterWebGPUConfig,
];

for (const config of webgpuKernelConfigs) {
  if (getKernel(config.kernelName, config.backendName) == null) registerKernel(config);
}
