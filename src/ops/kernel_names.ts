/**
 * Names of the fused kernels every backend may register (tf.registerKernel). The constants are
 * SCREAMING_CASE so that they never collide with the layer class `SemifieldConv2D`
 * (`tfjs-semifield/layers`); the strings themselves are the kernel names tfjs sees.
 *
 * - `SEMIFIELD_CONV2D_KERNEL` ('SemifieldConv2D'): inputs {x, filter}; attrs
 *   {@link SemifieldConvAttrs}; outputs [y] for invertible semifields, [y, provenance (int32, same
 *   shape as y)] for selection semifields. Provenance is the flat filter index
 *   (di·kw + dj)·(Cin/groups) + c of the selected term, −1 when the window had no term.
 * - `SEMIFIELD_CONV2D_BACKPROP_INPUT_KERNEL` / `SEMIFIELD_CONV2D_BACKPROP_FILTER_KERNEL`: inputs
 *   {dy, x, filter, provenance} for selection semifields, {dy, x, filter, y} for invertible ones
 *   ({@link SemifieldBackpropInputs}); output dx / dfilter.
 */
export const SEMIFIELD_CONV2D_KERNEL = 'SemifieldConv2D';
export const SEMIFIELD_CONV2D_BACKPROP_INPUT_KERNEL = 'SemifieldConv2DBackpropInput';
export const SEMIFIELD_CONV2D_BACKPROP_FILTER_KERNEL = 'SemifieldConv2DBackpropFilter';
export type {SemifieldConvAttrs} from './conv_info.js';

/**
 * Inputs of the two backprop kernels: the upstream gradient, the forward inputs, and the one
 * forward result the gradient rule reads (docs/design.md §4) — the int32 `provenance` for a
 * selection semifield, the float32 output `y` for an invertible one.
 */
export type SemifieldBackpropInputs<T> = {dy: T; x: T; filter: T} & (
  {provenance: T; y?: undefined} | {y: T; provenance?: undefined}
);
