import {getKernel, registerKernel, type KernelConfig} from '@tensorflow/tfjs-core';
import {semifieldConv2DCpuConfig} from './SemifieldConv2D.js';
import {semifieldConv2DBackpropFilterCpuConfig} from './SemifieldConv2DBackpropFilter.js';
import {semifieldConv2DBackpropInputCpuConfig} from './SemifieldConv2DBackpropInput.js';

/** Every fused CPU kernel; registering twice (two imports of the package) is harmless. */
export const cpuKernelConfigs: KernelConfig[] = [
  semifieldConv2DCpuConfig,
  semifieldConv2DBackpropInputCpuConfig,
  semifieldConv2DBackpropFilterCpuConfig,
];

for (const config of cpuKernelConfigs) {
  if (getKernel(config.kernelName, config.backendName) == null) registerKernel(config);
}
