import {getKernel, registerKernel, type KernelConfig} from '@tensorflow/tfjs-core';

/** Every fused webgl kernel (see kernels/webgl/*.ts). */
export const webglKernelConfigs: KernelConfig[] = [];

for (const config of webglKernelConfigs) {
  if (getKernel(config.kernelName, config.backendName) == null) registerKernel(config);
}
