import * as tf from '@tensorflow/tfjs-core';
import {computeSemifieldConvInfo, TF_CONV2D_RULES, type SemifieldConvInfo} from '../../ops/conv_info.js';
import {convOperands, describeValue, tensorArgument} from '../../ops/describe.js';

/*
 * The linear conv primitives' tensor front end. Arguments and geometry come from the op's parser
 * (src/ops/conv_info.ts) under tf.conv2d's rules; this file only turns tf.conv2d's positional
 * arguments and tensor-like inputs into that parser's input, and handles rank-3 x.
 */

/**
 * An algorithm's body: the rank-4 input, the filter and the parsed geometry (one group), with every
 * argument already checked. The autotuner times bodies directly, so nothing is re-validated per call.
 */
export type ConvBody = (x: tf.Tensor4D, filter: tf.Tensor4D, geometry: SemifieldConvInfo) => tf.Tensor4D;

/**
 * Checks tf.conv2d's positional geometry arguments against the shapes and returns the geometry
 * (tf.conv2d's rules: {@link TF_CONV2D_RULES}). Errors name the argument.
 */
export function conv2dGeometry(
  xShape: readonly number[],
  filterShape: readonly number[],
  strides: unknown,
  pad: unknown,
  dilations: unknown,
  opName: string,
): SemifieldConvInfo {
  const options = {strides, pad, dilations} as Parameters<typeof computeSemifieldConvInfo>[2];
  return computeSemifieldConvInfo(xShape, filterShape, options, opName, TF_CONV2D_RULES);
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
  body: ConvBody,
): T {
  const created: tf.Tensor[] = [];
  const asTensor = (value: unknown, name: string): tf.Tensor => {
    if (value instanceof tf.Tensor) {
      if (value.isDisposed) throw new Error(`${name}: the tensor passed to ${opName} is disposed`);
      if (value.dtype !== 'float32')
        throw new Error(`${name}: ${opName} expects a float32 tensor, but got a ${value.dtype} tensor`);
      return value;
    }
    return tensorArgument(value, name, created, opName);
  };
  try {
    if (dataFormat !== undefined && dataFormat !== 'NHWC') {
      throw new Error(
        `dataFormat: ${opName} supports only 'NHWC' (channels last), but got ${describeValue(dataFormat)}`,
      );
    }
    const {x: $x, filter: $filter, x4Shape} = convOperands(x, filter, asTensor);
    const geometry = conv2dGeometry(x4Shape, $filter.shape, strides, pad, dilations, opName);
    return tf.tidy(() => {
      const x4 = ($x.rank === 3 ? tf.expandDims($x, 0) : $x) as tf.Tensor4D;
      const y = body(x4, $filter as tf.Tensor4D, geometry);
      return ($x.rank === 3 ? tf.squeeze(y, [0]) : y) as T;
    });
  } finally {
    for (const t of created) t.dispose();
  }
}
