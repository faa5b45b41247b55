import * as tf from '@tensorflow/tfjs-core';
import {computeSemifieldConvInfo, type SemifieldConv2dOptions} from '../../ops/conv_info.js';
import {getSemifield} from '../../semifields/registry.js';
import type {AnySemifieldConfig, Semifield} from '../../semifields/types.js';
import {describeValue as show} from '../../ops/describe.js';
import {unfoldPatches} from './patches.js';

/**
 * The unfold (im2col) formulation of {@link semifieldConv2d}, kept for comparison: every receptive
 * field is copied into a row of [B·OH·OW, kh·kw·Cpg] (padded taps drop out of ⊕: filled with a
 * finite 𝟘, or masked when 𝟘 = ±∞), all kh·kw·Cpg × Cout terms x ⊗ w are materialised at once, then ⊕-reduced:
 * max/min for selection semifields, a sum for linear, and the anchored sum for log/root
 * (y = finalize(m, Σ f(t)/f(m)) with m the dominant term, so nothing overflows).
 * This is the memory-hungry baseline the thesis argues against (kh·kw copies of the input and a
 * terms tensor kh·kw·Cpg·Cout per output pixel); the library's own op uses strided windows or a
 * fused kernel. Forward values equal `semifieldConv2d`'s; gradients come from tfjs autodiff
 * through the reduction (not the docs/design.md §4 rules), so use it for benchmarks, not training.
 *
 * @param x Input [batch, height, width, inChannels], float32.
 * @param filter [filterHeight, filterWidth, inChannels / groups, outChannels], float32.
 * @param semifield Any semifield config `semifieldConv2d` accepts.
 * @param options strides, pad, dilations, groups, kind ('corr' | 'conv').
 *
 * @example
 * import * as tf from '@tensorflow/tfjs';
 * import {semifieldConv2dIm2col} from 'tfjs-semifield/primitives';
 * const x = tf.randomNormal([1, 12, 12, 2]);
 * const w = tf.zeros([3, 3, 2, 2]);
 * semifieldConv2dIm2col(x, w, 'maxplus', {pad: 'same'}).shape; // [1, 12, 12, 2]
 */
export function semifieldConv2dIm2col(
  x: tf.Tensor4D,
  filter: tf.Tensor4D,
  semifield: AnySemifieldConfig | Semifield,
  options: SemifieldConv2dOptions = {},
): tf.Tensor4D {
  const sf = getSemifield(semifield, 'semifield');
  if (!(x instanceof tf.Tensor) || x.isDisposed)
    throw new Error(`x: expected a live tf.Tensor, but got ${x instanceof tf.Tensor ? 'a disposed tensor' : show(x)}`);
  if (!(filter instanceof tf.Tensor) || filter.isDisposed) {
    throw new Error(
      `filter: expected a live tf.Tensor, but got ${filter instanceof tf.Tensor ? 'a disposed tensor' : show(filter)}`,
    );
  }
  if (x.dtype !== 'float32') throw new Error(`x: expected a float32 tensor, but got a ${x.dtype} tensor`);
  if (filter.dtype !== 'float32')
    throw new Error(`filter: expected a float32 tensor, but got a ${filter.dtype} tensor`);
  const {implementation: _ignored, ...geometryOptions} = options ?? {};
  const info = computeSemifieldConvInfo(x.shape, filter.shape, geometryOptions, 'semifieldConv2dIm2col');
  const kind = options?.kind ?? 'corr';
  if (kind !== 'corr' && kind !== 'conv') throw new Error(`kind: expected 'corr' or 'conv', but got ${show(kind)}`);
  return tf.tidy(() => {
    const w = kind === 'conv' ? (tf.reverse(filter, [0, 1]) as tf.Tensor4D) : filter;
    const {groups, inChannelsPerGroup: cpg, outChannelsPerGroup: opg} = info;
    const outs: tf.Tensor[] = [];
    for (let g = 0; g < groups; g++) {
      const xg = groups === 1 ? x : (tf.slice(x, [0, 0, 0, g * cpg], [-1, -1, -1, cpg]) as tf.Tensor4D);
      const wg = groups === 1 ? w : (tf.slice(w, [0, 0, 0, g * opg], [-1, -1, -1, opg]) as tf.Tensor4D);
      const geometry = {...info, inChannels: cpg, outChannels: opg};
      const k = info.filterHeight * info.filterWidth * cpg;
      const padded = info.padTop + info.padBottom + info.padLeft + info.padRight > 0;
      if (Number.isFinite(sf.zero) || !padded) {
        // 𝟘 is finite (root: 0, linear: 0) or there is no padding: pad with 𝟘 directly.
        const cols = unfoldPatches(xg, geometry, Number.isFinite(sf.zero) ? sf.zero : 0); // [N, K]
        outs.push(reduceTerms(sf, sf.termTensor(tf.expandDims(cols, 2), tf.reshape(wg, [1, k, opg])), null));
      } else {
        // 𝟘 = ±∞ is never materialised: WebGL with half-float textures stores ±∞ as NaN. Padded
        // taps are masked instead (see reduceTerms).
        const cols = unfoldPatches(xg, geometry, 0);
        const valid = tf.expandDims(unfoldPatches(tf.onesLike(xg), geometry, 0), 2); // [N, K, 1], 1 = real pixel
        outs.push(reduceTerms(sf, sf.termTensor(tf.expandDims(cols, 2), tf.reshape(wg, [1, k, opg])), valid));
      }
    }
    const y = outs.length === 1 ? outs[0] : tf.concat(outs, 1);
    return tf.reshape(y, [info.batch, info.outHeight, info.outWidth, info.outChannels]) as tf.Tensor4D;
  });
}

/**
 * ⊕ over axis 1 of the terms tensor [N, K, O]. With a validity mask, padded terms are replaced by
 * the finite term farthest from winning (the global minimum when 𝟘 = −∞, maximum when 𝟘 = +∞),
 * which can neither be selected over a real term nor become the anchor, and their rescaled
 * contributions are zeroed; windows without any real term give 𝟘.
 */
function reduceTerms(sf: Semifield, terms: tf.Tensor, valid: tf.Tensor | null): tf.Tensor {
  if (valid == null) {
    if (sf.gradientRule === 'selection') return sf.reduceTensor(terms, 1);
    if (sf.accumulation === 'sum') return tf.sum(terms, 1);
    const m = sf.reduceDominantTensor(terms, 1);
    return sf.finalizeTensor(m, tf.sum(sf.ratioTensor(terms, tf.expandDims(m, 1)), 1));
  }
  const isValid = tf.greater(valid, 0);
  const worst = sf.zero < 0 ? tf.min(terms) : tf.max(terms);
  const masked = tf.where(isValid, terms, worst);
  let y: tf.Tensor;
  if (sf.gradientRule === 'selection') {
    y = sf.reduceTensor(masked, 1);
  } else {
    const m = sf.reduceDominantTensor(masked, 1);
    const ratios = tf.where(isValid, sf.ratioTensor(masked, tf.expandDims(m, 1)), tf.zerosLike(masked));
    y = sf.finalizeTensor(m, tf.sum(ratios, 1));
  }
  const anyValid = tf.greater(tf.max(valid, 1), 0); // [N, 1]
  return tf.where(anyValid, y, tf.fill(y.shape, sf.zero));
}
