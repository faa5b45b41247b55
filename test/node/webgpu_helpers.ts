import * as tf from '@tensorflow/tfjs';
import {semifieldConv2d} from '../../index.js';
import type {ConvCase} from '../reference/cases.js';

/**
 * helpers.ts's runCase with asynchronous reads: WebGPU in Node has no synchronous readback
 * (tfjs's dataSync on webgpu goes through an OffscreenCanvas, which Node lacks).
 */
export async function runCaseAsync(c: ConvCase, implementation: 'fused' | 'composite', upstream: Float32Array) {
  const {y, dx, dw} = tf.tidy(() => {
    const x = tf.tensor4d(c.x, c.xShape as [number, number, number, number]);
    const w = tf.tensor4d(c.w, c.wShape as [number, number, number, number]);
    const opts = {...c.options, implementation};
    const y = semifieldConv2d(x, w, c.semifield, opts);
    const r = tf.tensor(upstream, y.shape);
    const [dx, dw] = tf.grads((xi: tf.Tensor, wi: tf.Tensor) =>
      tf.sum(tf.mul(semifieldConv2d(xi as tf.Tensor4D, wi as tf.Tensor4D, c.semifield, opts), r)),
    )([x, w]);
    return {y, dx, dw};
  });
  try {
    const [yv, dxv, dwv] = await Promise.all([y.data(), dx.data(), dw.data()]);
    return {y: yv as Float32Array, yShape: y.shape, dx: dxv as Float32Array, dw: dwv as Float32Array};
  } finally {
    tf.dispose([y, dx, dw]);
  }
}
