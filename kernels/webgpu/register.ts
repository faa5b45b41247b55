import {getKernel, registerKernel, type KernelConfig} from '@tensorflow/tfjs-core';

/** Every fused webgpu kernel (see kernels/webgpu/*.ts). */
export const webgpuKernelConfigs: KernelConfig[] = [];

for (const config of webgpuKernelConfigs) {
  if (getKernel(config.kernelName, config.backendName) == null) registerKernel(config);
}
