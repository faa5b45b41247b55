// Alternative linear conv algorithms (issue 6): same signature and semantics as tf.conv2d.
export type {Conv2dPad, ConvGeometry} from '../../ops/conv_info.js';
export {conv2dDirect} from './direct.js';
export {conv2dIm2col} from './im2col.js';
export {conv2dWinograd, winogradApplicable, type WinogradVariant} from './winograd.js';
export {
  WINOGRAD_F2x2_3x3,
  WINOGRAD_F4x4_3x3,
  winogradTransform,
  type WinogradTransform,
} from './winograd_transforms.js';
export {conv2dFft, type Conv2dFftOptions, type FftTransform} from './fft.js';
export {fftRadix2, nextPowerOfTwo, type ComplexParts} from './fft_radix2.js';
export {
  CONV_ALGORITHMS,
  clearConvAlgorithmCache,
  conv2dAuto,
  findConvAlgorithm,
  getCachedConvAlgorithm,
  runConvAlgorithm,
  type ConvAlgorithm,
  type ConvAlgorithmChoice,
  type ConvAlgorithmGeometry,
  type ConvAlgorithmTiming,
  type FindConvAlgorithmOptions,
} from './autotune.js';
export {semifieldConv2dIm2col} from './semifield_im2col.js';
export * from './emulated/index.js';
