import * as tf from '@tensorflow/tfjs-core';
import {semifieldFromKey} from '../semifields/registry.js';
import type {SemifieldConvAttrs} from './conv_info.js';
import {
  SEMIFIELD_CONV2D_KERNEL,
  SEMIFIELD_CONV2D_BACKPROP_FILTER_KERNEL,
  SEMIFIELD_CONV2D_BACKPROP_INPUT_KERNEL,
  type SemifieldBackpropInputs,
} from './kernel_names.js';

/**
 * Gradient of the fused SemifieldConv2D kernel (docs/design.md §4), registered with tf.registerGradient
 * rather than wrapped in tf.customGrad: the tape then asks only for the gradients it needs, so the
 * first layer of a network (whose input is data, not a variable) never runs BackpropInput —
 * customGrad would compute both gradients eagerly on every step.
 *
 * Saved: x, filter, y and (selection semifields) the int32 provenance. The backprop kernels take
 * the provenance (selection semifields) or y (invertible ones), under that name.
 */
export const semifieldConv2DGradConfig: tf.GradConfig = {
  kernelName: SEMIFIELD_CONV2D_KERNEL,
  inputsToSave: ['x', 'filter'],
  // Selection kernels have two outputs [y, provenance]; invertible ones one (the second flag is
  // then ignored by the engine).
  outputsToSave: [true, true],
  gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[], attrs: tf.NamedAttrMap) => {
    const convAttrs = attrs as unknown as SemifieldConvAttrs;
    const [x, filter, y, provenance] = saved;
    // With two outputs the engine passes [dy, d(provenance)]; the provenance has no gradient.
    const dy0 = Array.isArray(dy) ? dy[0] : dy;
    const selection = semifieldFromKey(convAttrs.semifield).gradientRule === 'selection';
    const forward: SemifieldBackpropInputs<tf.Tensor> = selection
      ? {dy: dy0, x, filter, provenance}
      : {dy: dy0, x, filter, y};
    const inputs = forward as unknown as tf.NamedTensorMap;
    const run = (kernelName: string) => tf.engine().runKernel(kernelName, inputs, attrs) as tf.Tensor;
    return {
      x: () => run(SEMIFIELD_CONV2D_BACKPROP_INPUT_KERNEL),
      filter: () => run(SEMIFIELD_CONV2D_BACKPROP_FILTER_KERNEL),
    };
  },
};

/** Register once; a second import of the package finds it registered. */
export function registerSemifieldConv2DGradient(): void {
  if (tf.getGradient(SEMIFIELD_CONV2D_KERNEL) == null) tf.registerGradient(semifieldConv2DGradConfig);
}
