import * as tf from '@tensorflow/tfjs-core';
import type {Conv2dPad} from '../../ops/conv_info.js';
import {linearForward} from '../../ops/composite.js';
import {withConvArgs, type ConvBody} from './conv_args.js';

/**
 * Direct (shift-and-add) 2-D convolution: for each filter tap (di, dj), the strided view of the
 * padded input times that tap's [Cin, Cout] slice, accumulated in tap order. This is the textbook
 * sum written with tfjs ops only, the reference the other algorithms are compared with; it is the
 * op's composite path for the linear semifield, run without that path's out-of-image masks (a
 * zero-padded sum, like the other algorithms here).
 * Same signature and semantics as `tf.conv2d` (NHWC cross-correlation).
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
 * import {conv2dDirect} from 'tfjs-semifield/primitives';
 * const x = tf.randomNormal([1, 8, 8, 2]);
 * const w = tf.randomNormal([3, 3, 2, 4]);
 * conv2dDirect(x, w, 1, 'same').shape; // [1, 8, 8, 4]
 */
export function conv2dDirect<T extends tf.Tensor3D | tf.Tensor4D>(
  x: T | tf.TensorLike,
  filter: tf.Tensor4D | tf.TensorLike,
  strides: number | [number, number] = 1,
  pad: Conv2dPad = 'valid',
  dataFormat: 'NHWC' = 'NHWC',
  dilations: number | [number, number] = 1,
): T {
  return withConvArgs('conv2dDirect', x, filter, strides, pad, dataFormat, dilations, directBody);
}

/** The direct algorithm on parsed geometry: the composite path's linear forward pass (one group). */
export const directBody: ConvBody = (x4, w, g) => linearForward(x4, w, g, {skipOutOfImage: false});
