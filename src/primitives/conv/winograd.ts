import * as tf from '@tensorflow/tfjs-core';
import type {Conv2dPad, ConvGeometry} from '../../ops/conv_info.js';
import {padInput} from '../../ops/conv_views.js';
import {describeValue as show} from '../../ops/describe.js';
import {withConvArgs} from './conv_args.js';
import {kron, winogradTransform} from './winograd_transforms.js';

/** Which Winograd variant: F(2×2,3×3) (accurate) or F(4×4,3×3) (fewer multiplications, less accurate). */
export type WinogradVariant = 'F2x2_3x3' | 'F4x4_3x3';

/**
 * Winograd convolution F(m×m, 3×3) for 3×3 filters at stride 1 and dilation 1, any padding.
 * The padded input is cut into overlapping (m+2)×(m+2) tiles at stride m (extra zero rows/columns
 * at the bottom/right complete the last tiles; their outputs are cropped). Per tile and channel
 * pair the work is an elementwise product in the transform domain, so all of it is three GEMMs:
 * V = (Bᵀ⊗Bᵀ)·tiles, M[ξ] = V[ξ]·U[ξ] batched over the a² transform points (this sums over the
 * input channels), Y = (Aᵀ⊗Aᵀ)·M. Same semantics as `tf.conv2d` for the shapes it accepts;
 * anything else throws an Error naming the argument.
 *
 * @param x Input [batch, height, width, inChannels] (or rank 3), float32.
 * @param filter [3, 3, inChannels, outChannels], float32.
 * @param strides Must be 1.
 * @param pad 'valid', 'same', a number or [[0,0],[top,bottom],[left,right],[0,0]].
 * @param dataFormat Only 'NHWC'.
 * @param dilations Must be 1.
 * @param variant 'F2x2_3x3' (default) or 'F4x4_3x3'.
 *
 * @example
 * import * as tf from '@tensorflow/tfjs';
 * import {conv2dWinograd} from 'tfjs-semifield/primitives';
 * const x = tf.randomNormal([1, 15, 15, 4]);
 * const w = tf.randomNormal([3, 3, 4, 8]);
 * const y = conv2dWinograd(x, w, 1, 'same', 'NHWC', 1, 'F4x4_3x3'); // [1, 15, 15, 8]
 */
export function conv2dWinograd<T extends tf.Tensor3D | tf.Tensor4D>(
  x: T | tf.TensorLike,
  filter: tf.Tensor4D | tf.TensorLike,
  strides: number | [number, number] = 1,
  pad: Conv2dPad = 'valid',
  dataFormat: 'NHWC' = 'NHWC',
  dilations: number | [number, number] = 1,
  variant: WinogradVariant = 'F2x2_3x3',
): T {
  if (variant !== 'F2x2_3x3' && variant !== 'F4x4_3x3') {
    throw new Error(`variant: expected 'F2x2_3x3' or 'F4x4_3x3', but got ${show(variant)}`);
  }
  return withConvArgs('conv2dWinograd', x, filter, strides, pad, dataFormat, dilations, (x4, w, g) => {
    checkWinogradApplicable(g);
    return winogradBody(x4, w, g, variant);
  });
}

/** The Winograd algorithm on parsed geometry (a 3×3 filter, stride 1, dilation 1: see {@link winogradApplicable}). */
export function winogradBody(x4: tf.Tensor4D, w: tf.Tensor4D, g: ConvGeometry, variant: WinogradVariant): tf.Tensor4D {
  const {m, a, BT, G, AT} = winogradTransform(variant);
  const tilesH = Math.ceil(g.outHeight / m);
  const tilesW = Math.ceil(g.outWidth / m);
  const padded = padInput(x4, g);
  const extraH = tilesH * m + 2 - padded.shape[1];
  const extraW = tilesW * m + 2 - padded.shape[2];
  const xp =
    extraH > 0 || extraW > 0
      ? tf.pad(padded, [
          [0, 0],
          [0, Math.max(0, extraH)],
          [0, Math.max(0, extraW)],
          [0, 0],
        ])
      : padded;
  const cin = g.inChannels;
  const cout = g.outChannels;
  const tiles = g.batch * tilesH * tilesW;
  // d[(u,v), tile, c]: element (u, v) of every tile, one strided view per position.
  const views: tf.Tensor[] = [];
  for (let u = 0; u < a; u++)
    for (let v = 0; v < a; v++)
      views.push(
        tf.stridedSlice(
          xp,
          [0, u, v, 0],
          [g.batch, u + (tilesH - 1) * m + 1, v + (tilesW - 1) * m + 1, cin],
          [1, m, m, 1],
        ),
      );
  const d = tf.reshape(tf.stack(views), [a * a, tiles * cin]) as tf.Tensor2D;
  const bKron = kron(BT, BT);
  const gKron = kron(G, G);
  const aKron = kron(AT, AT);
  const V = tf.reshape(tf.matMul(tf.tensor2d(bKron.values, [bKron.rows, bKron.cols]), d), [
    a * a,
    tiles,
    cin,
  ]) as tf.Tensor3D;
  const U = tf.reshape(
    tf.matMul(tf.tensor2d(gKron.values, [gKron.rows, gKron.cols]), tf.reshape(w, [9, cin * cout]) as tf.Tensor2D),
    [a * a, cin, cout],
  ) as tf.Tensor3D;
  const M = tf.reshape(tf.matMul(V, U), [a * a, tiles * cout]) as tf.Tensor2D;
  const Y = tf.matMul(tf.tensor2d(aKron.values, [aKron.rows, aKron.cols]), M); // [m², tiles·Cout]
  const grid = tf.transpose(tf.reshape(Y, [m, m, g.batch, tilesH, tilesW, cout]), [2, 3, 0, 4, 1, 5]);
  const full = tf.reshape(grid, [g.batch, tilesH * m, tilesW * m, cout]) as tf.Tensor4D;
  return tilesH * m === g.outHeight && tilesW * m === g.outWidth
    ? full
    : tf.slice(full, [0, 0, 0, 0], [g.batch, g.outHeight, g.outWidth, cout]);
}

function checkWinogradApplicable(g: ConvGeometry): void {
  if (g.filterHeight !== 3 || g.filterWidth !== 3) {
    throw new Error(
      `filter: conv2dWinograd implements F(m×m, 3×3) and needs a 3×3 filter, but got ${g.filterHeight}×${g.filterWidth}`,
    );
  }
  if (g.strideHeight !== 1 || g.strideWidth !== 1) {
    throw new Error(`strides: conv2dWinograd needs stride 1, but got [${g.strideHeight}, ${g.strideWidth}]`);
  }
  if (g.dilationHeight !== 1 || g.dilationWidth !== 1) {
    throw new Error(`dilations: conv2dWinograd needs dilation 1, but got [${g.dilationHeight}, ${g.dilationWidth}]`);
  }
}

/**
 * Can `conv2dWinograd` run this geometry? (3×3 filter, stride 1, dilation 1.)
 *
 * @example
 * import {winogradApplicable} from 'tfjs-semifield/primitives';
 * winogradApplicable([3, 3, 8, 8]);    // true
 * winogradApplicable([3, 3, 8, 8], 2); // false: stride 2
 */
export function winogradApplicable(
  filterShape: readonly number[],
  strides: number | [number, number] = 1,
  dilations: number | [number, number] = 1,
): boolean {
  const [sh, sw] = typeof strides === 'number' ? [strides, strides] : strides;
  const [dh, dw] = typeof dilations === 'number' ? [dilations, dilations] : dilations;
  return filterShape[0] === 3 && filterShape[1] === 3 && sh === 1 && sw === 1 && dh === 1 && dw === 1;
}
