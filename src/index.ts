/**
 * tfjs-semifield's core API: semifield convolutions (max-plus, min-plus, log, root, linear) for
 * TensorFlow.js, needing nothing but @tensorflow/tfjs-core. The package root (index.ts, built to
 * dist/index.js) and the per-backend entries (`tfjs-semifield/cpu`, `/webgl`, `/webgpu`) export this
 * after registering fused kernels; importing this file alone registers none (every op still works,
 * through the composite path). Layers and primitives have their own entries
 * (`tfjs-semifield/layers`, `tfjs-semifield/primitives`): they need @tensorflow/tfjs-layers.
 */
export {semifieldConv2d, hasFusedKernels} from './ops/semifield_conv2d.js';
export type {SemifieldConv2dOptions, SemifieldConvInfo, SemifieldPad} from './ops/conv_info.js';
export {computeSemifieldConvInfo} from './ops/conv_info.js';
export {
  SEMIFIELD_CONV2D_KERNEL,
  SEMIFIELD_CONV2D_BACKPROP_FILTER_KERNEL,
  SEMIFIELD_CONV2D_BACKPROP_INPUT_KERNEL,
} from './ops/kernel_names.js';
export type {SemifieldConvAttrs} from './ops/kernel_names.js';
export type {
  InvertibleSemifield,
  SelectionSemifield,
  Semifield,
  SemifieldConfig,
  SemifieldConfigObject,
  AnySemifieldConfig,
  CustomSemifieldConfig,
  ShaderLanguage,
  ShaderSnippets,
} from './semifields/types.js';
export {
  getSemifield,
  listSemifields,
  registerSemifield,
  semifieldFromKey,
  semifieldToConfig,
  unregisterSemifield,
} from './semifields/registry.js';
export type {SemifieldDefinition} from './semifields/registry.js';
export type {FusedForms, InvertibleRule, SelectionRule, SemifieldSpec} from './semifields/custom.js';
export {REQUIRED_TFJS_CORE_VERSION} from './tfjs_core_check.js';
export * as morphology from './morphology/index.js';
export type {
  GradientOptions,
  GradientVariant,
  MorphologyBorder,
  MorphologyOptions,
  ReconstructionOptions,
} from './morphology/index.js';
