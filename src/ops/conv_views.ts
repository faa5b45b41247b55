import * as tf from '@tensorflow/tfjs-core';
import type {ConvGeometry} from './conv_info.js';

/*
 * Tensor views of a convolution's input by filter tap, from public tfjs ops: the strided-window
 * formulation the composite path and the linear conv primitives share (one strided view per tap,
 * never all kh·kw windows at once).
 */

/** Does the geometry pad the input at all? */
export function hasPadding(g: ConvGeometry): boolean {
  return g.padTop + g.padBottom + g.padLeft + g.padRight > 0;
}

/** The input padded by the geometry's padding with `value` (returned as is when there is none). */
export function padInput(x: tf.Tensor4D, g: ConvGeometry, value = 0): tf.Tensor4D {
  if (!hasPadding(g)) return x;
  return tf.pad(
    x,
    [
      [0, 0],
      [g.padTop, g.padBottom],
      [g.padLeft, g.padRight],
      [0, 0],
    ],
    value,
  );
}

/** Strided view of the padded input read by filter tap (di, dj): [B, OH, OW, Cin]. */
export function tapView(xPadded: tf.Tensor4D, g: ConvGeometry, di: number, dj: number): tf.Tensor4D {
  const top = di * g.dilationHeight;
  const left = dj * g.dilationWidth;
  return tf.stridedSlice(
    xPadded,
    [0, top, left, 0],
    [g.batch, top + (g.outHeight - 1) * g.strideHeight + 1, left + (g.outWidth - 1) * g.strideWidth + 1, g.inChannels],
    [1, g.strideHeight, g.strideWidth, 1],
  ) as tf.Tensor4D;
}
