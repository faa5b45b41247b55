/**
 * `morphology`: grey-scale mathematical morphology on NHWC tensors (dilation, erosion, opening,
 * closing, gradients, top-hats, geodesic reconstruction), built on semifieldConv2d. Needs
 * @tensorflow/tfjs-core only. See docs/morphology.md.
 */
export {
  bottomHat,
  closing,
  dilation,
  erosion,
  gradient,
  opening,
  reconstruction,
  reconstructionAsync,
  topHat,
} from './morphology.js';
export type {
  GradientOptions,
  GradientVariant,
  MorphologyBorder,
  MorphologyOptions,
  ReconstructionOptions,
} from './morphology.js';
