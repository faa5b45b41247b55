export {
  registerFastCpuKernels,
  unregisterFastCpuKernels,
  fastCpuKernelsRegistered,
  fastCpuKernels,
  FAST_CPU_KERNEL_NAMES,
} from './register.js';
export type {ReplacementKernel} from './register.js';
export {registerWasmConv2DBackpropFilter} from './conv2d_backprop_filter.js';
