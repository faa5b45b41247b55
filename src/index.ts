/**
 * tfjs-semifield's public API: semifield convolutions (max-plus, min-plus, log, root, linear) for
 * TensorFlow.js, layers and primitives. The package entry (the root index.ts, built to
 * dist/index.js) imports this after registering the fused kernels of every backend; importing this
 * file alone registers none (every op still works, through the composite path).
 */
export {semifieldConv2d, hasFusedKernels} from './ops/semifield_conv2d.js';
export type {SemifieldConv2dOptions, SemifieldConvInfo, SemifieldPad} from './ops/conv_info.js';
export {computeSemifieldConvInfo} from './ops/conv_info.js';
export {SemifieldConv2D, SemifieldConv2DBackpropFilter, SemifieldConv2DBackpropInput} from './ops/kernel_names.js';
export * from './semifields/index.js';
export * from './layers/index.js';
export * from './primitives/conv/index.js';
export * from './primitives/linear/index.js';
