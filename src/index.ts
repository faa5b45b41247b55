/**
 * tfjs-semifield: semifield convolutions (max-plus, min-plus, log, root, linear) for TensorFlow.js.
 * Importing the package root registers the fused kernels for every supported backend.
 */
export {semifieldConv2d, hasFusedKernels} from './ops/semifield_conv2d.js';
export type {SemifieldConv2dOptions, SemifieldConvInfo, SemifieldPad} from './ops/conv_info.js';
export {computeSemifieldConvInfo} from './ops/conv_info.js';
export {SemifieldConv2D, SemifieldConv2DBackpropFilter, SemifieldConv2DBackpropInput} from './ops/kernel_names.js';
export * from './semifields/index.js';
export * from './layers/index.js';
export * from './primitives/conv/index.js';
export * from './primitives/linear/index.js';
