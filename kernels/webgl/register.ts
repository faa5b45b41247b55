import {getKernel, registerKernel, type KernelConfig} from '@tensorflow/tfjs-core';
import {semifieldConv2DWebGLConfig} from './SemifieldConv2D.js';
import {semifieldConv2DBackpropFilterWebGLConfig} from './SemifieldConv2DBackpropFilter.js';
import {semifieldConv2DBackpropInputWebGLConfig} from './SemifieldConv2DBackpropInput.js';

/** Every fused webgl kernel (see kernels/webgl/*.ts). */
export const webglKernelConfigs: KernelConfig[] = [
  semifieldConv2DWebGLConfig,
  semifieldConv2DBackpropInputWebGLConfig,
  semifieldConv2DBackpropFilterWebGLConfig,
];

for (const config of webglKernelConfigs) {
  if (getKernel(config.kernelName, config.backendName) == null) registerKernel(config);
}
