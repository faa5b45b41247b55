import * as tf from '@tensorflow/tfjs-core';
import type {ConvGeometry} from '../../ops/conv_info.js';
import {padInput, tapView} from '../../ops/conv_views.js';

/**
 * The unfold (im2col) matrix: every receptive field laid out as one row,
 * [B·OH·OW, kh·kw·Cin] in (di, dj, c) order — the order of `filter.reshape([kh·kw·Cin, Cout])`.
 * `padValue` fills the padding (0 for linear conv, the semifield's 𝟘 for semifield conv).
 */
export function unfoldPatches(x: tf.Tensor4D, g: ConvGeometry, padValue = 0): tf.Tensor2D {
  const xPadded = padInput(x, g, padValue);
  const taps: tf.Tensor4D[] = [];
  for (let di = 0; di < g.filterHeight; di++)
    for (let dj = 0; dj < g.filterWidth; dj++) taps.push(tapView(xPadded, g, di, dj));
  // Concatenating along channels gives (di, dj, c) order with c fastest.
  const patches = taps.length === 1 ? taps[0] : tf.concat(taps, 3);
  return tf.reshape(patches, [g.batch * g.outHeight * g.outWidth, g.filterHeight * g.filterWidth * g.inChannels]);
}
