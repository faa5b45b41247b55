import * as tf from '@tensorflow/tfjs-core';
import {padInput, tapView, withConvArgs, type Conv2dPad} from './conv_args.js';

/**
 * Direct (shift-and-add) 2-D convolution: for each filter tap (di, dj), the strided view of the
 * padded input times that tap's [Cin, Cout] slice, accumulated in tap order. This is the textbook
 * sum written with tfjs ops only, the reference the other algorithms are compared with.
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
  return withConvArgs('conv2dDirect', x, filter, strides, pad, dataFormat, dilations, (x4, w, g) => {
    const xPadded = padInput(x4, g);
    const rows = g.batch * g.outHeight * g.outWidth;
    let acc: tf.Tensor | null = null;
    for (let di = 0; di < g.filterHeight; di++) {
      for (let dj = 0; dj < g.filterWidth; dj++) {
        const view = tf.reshape(tapView(xPadded, g, di, dj), [rows, g.inChannels]);
        const tap = tf.reshape(tf.slice(w, [di, dj, 0, 0], [1, 1, g.inChannels, g.outChannels]), [g.inChannels, g.outChannels]);
        const term = tf.matMul(view as tf.Tensor2D, tap as tf.Tensor2D);
        acc = acc == null ? term : tf.add(acc, term);
      }
    }
    return tf.reshape(acc!, [g.batch, g.outHeight, g.outWidth, g.outChannels]);
  });
}
