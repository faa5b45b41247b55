/**
 * Names of the fused kernels every backend may register (tf.registerKernel).
 *
 * - `SemifieldConv2D`: inputs {x, filter}; attrs {@link SemifieldConvAttrs}; outputs [y] for
 *   invertible semifields, [y, provenance (int32, same shape as y)] for selection semifields.
 *   Provenance is the flat filter index (di·kw + dj)·(Cin/groups) + c of the selected term, −1 when
 *   the window had no term.
 * - `SemifieldConv2DBackpropInput` / `SemifieldConv2DBackpropFilter`: inputs {dy, x, filter, aux},
 *   aux being the provenance for selection semifields and y for invertible ones; output dx / dfilter.
 */
export const SemifieldConv2D = 'SemifieldConv2D';
export const SemifieldConv2DBackpropInput = 'SemifieldConv2DBackpropInput';
export const SemifieldConv2DBackpropFilter = 'SemifieldConv2DBackpropFilter';
export type {SemifieldConvAttrs} from './conv_info.js';
