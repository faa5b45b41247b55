import * as tf from '@tensorflow/tfjs-core';
import {describeValue, tensorArgument} from '../../ops/describe.js';

/** Padding in tf.conv2d's forms: 'valid', 'same', a number, or explicit [[0,0],[t,b],[l,r],[0,0]]. */
export type Conv2dPad = 'valid' | 'same' | number | [[number, number], [number, number], [number, number], [number, number]];

/** The geometry every algorithm of this folder works from (tf.conv2d's own rules, via computeConv2DInfo). */
export interface ConvGeometry {
  batch: number;
  inHeight: number;
  inWidth: number;
  inChannels: number;
  outHeight: number;
  outWidth: number;
  outChannels: number;
  filterHeight: number;
  filterWidth: number;
  strideHeight: number;
  strideWidth: number;
  dilationHeight: number;
  dilationWidth: number;
  padTop: number;
  padBottom: number;
  padLeft: number;
  padRight: number;
}

/** A value as an error message shows it (NaN and ±Infinity as such, not null). */
export const show = describeValue;

const isPositiveInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 1;
const isNonNegativeInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0;

function parsePair(value: unknown, argName: string): [number, number] {
  if (value === undefined) return [1, 1];
  if (isPositiveInt(value)) return [value, value];
  if (Array.isArray(value) && value.length === 2 && value.every(isPositiveInt)) return [value[0], value[1]];
  throw new Error(`${argName}: expected a positive integer or a pair [height, width] of positive integers, but got ${show(value)}`);
}

function checkPad(pad: unknown): Conv2dPad {
  if (pad === 'valid' || pad === 'same' || isNonNegativeInt(pad)) return pad;
  if (
    Array.isArray(pad) &&
    pad.length === 4 &&
    pad.every((pair) => Array.isArray(pair) && pair.length === 2 && pair.every(isNonNegativeInt)) &&
    pad[0][0] === 0 && pad[0][1] === 0 && pad[3][0] === 0 && pad[3][1] === 0
  ) {
    return pad as Conv2dPad;
  }
  throw new Error(
    `pad: expected 'valid', 'same', a non-negative integer or [[0, 0], [top, bottom], [left, right], [0, 0]] of non-negative integers, but got ${show(pad)}`,
  );
}

/**
 * Validates shapes and options (naming the argument on failure) and computes the output geometry
 * with tfjs's own `computeConv2DInfo`, so 'same' padding splits exactly as tf.conv2d splits it.
 */
export function convGeometry(
  xShape: readonly number[],
  filterShape: readonly number[],
  strides: unknown,
  pad: unknown,
  dilations: unknown,
): ConvGeometry {
  if (xShape.length !== 4) throw new Error(`x: expected a rank-4 tensor [batch, height, width, channels] or rank 3 without batch, but got shape [${xShape}]`);
  if (filterShape.length !== 4) {
    throw new Error(`filter: expected a rank-4 tensor [filterHeight, filterWidth, inChannels, outChannels], but got shape [${filterShape}]`);
  }
  if (!xShape.every(isPositiveInt)) throw new Error(`x: every dimension must be at least 1, but got shape [${xShape}]`);
  if (!filterShape.every(isPositiveInt)) throw new Error(`filter: every dimension must be at least 1, but got shape [${filterShape}]`);
  if (filterShape[2] !== xShape[3]) {
    throw new Error(`filter: filter.shape[2] must equal the input channels x.shape[3] = ${xShape[3]}, but got ${filterShape[2]} (filter shape [${filterShape}])`);
  }
  const [sh, sw] = parsePair(strides, 'strides');
  const [dh, dw] = parsePair(dilations ?? undefined, 'dilations');
  if ((sh > 1 || sw > 1) && (dh > 1 || dw > 1)) {
    // tf.conv2d's own rule; kept so every algorithm accepts exactly what tf.conv2d accepts.
    throw new Error(`strides: tf.conv2d does not allow strides > 1 together with dilations > 1, but got strides ${show(strides)} and dilations ${show(dilations)}`);
  }
  const $pad = checkPad(pad);
  const effH = (filterShape[0] - 1) * dh + 1;
  const effW = (filterShape[1] - 1) * dw + 1;
  const explicit = typeof $pad === 'number' ? [[0, 0], [$pad, $pad], [$pad, $pad], [0, 0]] : $pad;
  if (Array.isArray(explicit)) {
    const hp = xShape[1] + explicit[1][0] + explicit[1][1];
    const wp = xShape[2] + explicit[2][0] + explicit[2][1];
    if (hp < effH || wp < effW) {
      throw new Error(`x: the padded input (${hp}×${wp}) is smaller than the dilated filter (${effH}×${effW}); the output would be empty`);
    }
  } else if ($pad === 'valid' && (xShape[1] < effH || xShape[2] < effW)) {
    throw new Error(`x: the input (${xShape[1]}×${xShape[2]}) is smaller than the dilated filter (${effH}×${effW}) with pad 'valid'; the output would be empty`);
  }
  const info = tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    [sh, sw],
    [dh, dw],
    explicit as 'same' | 'valid' | tf.backend_util.ExplicitPadding,
  );
  return {
    batch: info.batchSize,
    inHeight: info.inHeight,
    inWidth: info.inWidth,
    inChannels: info.inChannels,
    outHeight: info.outHeight,
    outWidth: info.outWidth,
    outChannels: info.outChannels,
    filterHeight: info.filterHeight,
    filterWidth: info.filterWidth,
    strideHeight: sh,
    strideWidth: sw,
    dilationHeight: dh,
    dilationWidth: dw,
    padTop: info.padInfo.top,
    padBottom: info.padInfo.bottom,
    padLeft: info.padInfo.left,
    padRight: info.padInfo.right,
  };
}

/**
 * Shared front end of every algorithm: converts and checks x and filter (float32, not disposed),
 * checks dataFormat, computes the geometry, runs `body` on the rank-4 input inside a tidy and
 * restores a rank-3 result when x was rank 3. Tensors it created from arrays are disposed even when
 * validation throws, so bad input leaks nothing.
 */
export function withConvArgs<T extends tf.Tensor3D | tf.Tensor4D>(
  opName: string,
  x: T | tf.TensorLike,
  filter: tf.Tensor4D | tf.TensorLike,
  strides: unknown,
  pad: unknown,
  dataFormat: unknown,
  dilations: unknown,
  body: (x4: tf.Tensor4D, filter: tf.Tensor4D, geometry: ConvGeometry) => tf.Tensor,
): T {
  const created: tf.Tensor[] = [];
  const asTensor = (value: unknown, name: string): tf.Tensor => {
    if (value instanceof tf.Tensor) {
      if (value.isDisposed) throw new Error(`${name}: the tensor passed to ${opName} is disposed`);
      if (value.dtype !== 'float32') throw new Error(`${name}: ${opName} expects a float32 tensor, but got a ${value.dtype} tensor`);
      return value;
    }
    return tensorArgument(value, name, created, opName);
  };
  try {
    if (dataFormat !== undefined && dataFormat !== 'NHWC') {
      throw new Error(`dataFormat: ${opName} supports only 'NHWC' (channels last), but got ${show(dataFormat)}`);
    }
    const $x = asTensor(x, 'x');
    const $filter = asTensor(filter, 'filter');
    if ($x.rank !== 3 && $x.rank !== 4) {
      throw new Error(`x: expected a rank-4 tensor [batch, height, width, channels] or rank 3 without batch, but got shape [${$x.shape}]`);
    }
    const x4Shape = $x.rank === 3 ? [1, ...$x.shape] : $x.shape;
    const geometry = convGeometry(x4Shape, $filter.shape, strides, pad, dilations);
    return tf.tidy(() => {
      const x4 = ($x.rank === 3 ? tf.expandDims($x, 0) : $x) as tf.Tensor4D;
      const y = body(x4, $filter as tf.Tensor4D, geometry);
      return ($x.rank === 3 ? tf.squeeze(y, [0]) : y) as T;
    });
  } finally {
    for (const t of created) t.dispose();
  }
}

/** The input padded by the geometry's padding with `value` (0 for linear conv). */
export function padInput(x: tf.Tensor4D, g: ConvGeometry, value = 0): tf.Tensor4D {
  if (g.padTop + g.padBottom + g.padLeft + g.padRight === 0) return x;
  return tf.pad(x, [[0, 0], [g.padTop, g.padBottom], [g.padLeft, g.padRight], [0, 0]], value);
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
