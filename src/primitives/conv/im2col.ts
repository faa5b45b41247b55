import * as tf from '@tensorflow/tfjs-core';
import type {Conv2dPad} from '../../ops/conv_info.js';
import {withConvArgs, type ConvBody} from './conv_args.js';
import {unfoldPatches} from './patches.js';

/**
 * im2col convolution: unfold every receptive field into a row of a [B·OH·OW, kh·kw·Cin] matrix and
 * multiply it by the filter reshaped to [kh·kw·Cin, Cout] — one large GEMM, at the price of
 * kh·kw copies of the input. Same signature and semantics as `tf.conv2d`.
 *
 * @param x Input [batch, height, width, inChannels] (or rank 3), float32.
 * @param filter [filterHeight, filterWidth, inChannels, outChannels], float32.
 * @param strides A number or [strideHeight, strideWidth].
 * @param pad 'valid', 'same', a number or [[0,0],[top,bottom],[left,right],[0,0]].
 * @param dataFormat Only 'NHWC'.
 * @param dilations A number or [dilationHeight, dilationWidth] (not together with strides > 1).
 *
 * @example
 * import * as tf from '@tensorflow/tfjs';
 * import {conv2dIm2col} from 'tfjs-semifield/primitives';
 * const x = tf.randomNormal([2, 9, 9, 3]);
 * const w = tf.randomNormal([5, 5, 3, 8]);
 * conv2dIm2col(x, w, 2, 'same').shape; // [2, 5, 5, 8]
 */
export function conv2dIm2col<T extends tf.Tensor3D | tf.Tensor4D>(
  x: T | tf.TensorLike,
  filter: tf.Tensor4D | tf.TensorLike,
  strides: number | [number, number] = 1,
  pad: Conv2dPad = 'valid',
  dataFormat: 'NHWC' = 'NHWC',
  dilations: number | [number, number] = 1,
): T {
  return withConvArgs('conv2dIm2col', x, filter, strides, pad, dataFormat, dilations, im2colBody);
}

/** The im2col algorithm on parsed geometry. */
export const im2colBody: ConvBody = (x4, w, g) => {
  const cols = unfoldPatches(x4, g);
  const wMatrix = tf.reshape(w, [g.filterHeight * g.filterWidth * g.inChannels, g.outChannels]) as tf.Tensor2D;
  return tf.reshape(tf.matMul(cols, wMatrix), [g.batch, g.outHeight, g.outWidth, g.outChannels]);
};
