import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import type {ConvCase} from '../reference/cases.js';
import {semifieldConv2d} from '../../index.js';

export type Implementation = 'fused' | 'composite';

/** Run the op for one case on the active backend: y and both gradients of L = Σ r·y. */
export function runCase(c: ConvCase, implementation: Implementation, upstream: Float32Array) {
  return tf.tidy(() => {
    const x = tf.tensor4d(c.x, c.xShape as [number, number, number, number]);
    const w = tf.tensor4d(c.w, c.wShape as [number, number, number, number]);
    const opts = {...c.options, implementation};
    const y = semifieldConv2d(x, w, c.semifield, opts);
    const r = tf.tensor(upstream, y.shape);
    const [dx, dw] = tf.grads((xi: tf.Tensor, wi: tf.Tensor) =>
      tf.sum(tf.mul(semifieldConv2d(xi as tf.Tensor4D, wi as tf.Tensor4D, c.semifield, opts), r)),
    )([x, w]);
    return {y: y.dataSync().slice(), yShape: y.shape, dx: dx.dataSync().slice(), dw: dw.dataSync().slice()};
  });
}

/** Switch backend for a describe block and restore cpu after. */
export function useBackend(name: string): void {
  let previous = 'cpu';
  before(async () => {
    previous = tf.getBackend() ?? 'cpu';
    if (!(await tf.setBackend(name))) throw new Error(`backend '${name}' failed to initialise`);
  });
  after(async () => {
    await tf.setBackend(previous);
  });
}
