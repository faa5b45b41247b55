import * as tf from '@tensorflow/tfjs';
import {semifieldConv2d} from '../../index.js';
import {initNodeWebGPU, type InitNodeWebGPUOptions, type NodeWebGPUInfo} from '../../src/backends/node_webgpu.js';
import type {ConvCase} from '../reference/cases.js';
import {installGeneratedWGSLCheck} from '../reference/wgsl_checks.js';

/**
 * initNodeWebGPU for the suites: also installs the generated-WGSL check on the backend
 * (test/reference/wgsl_checks.ts) and fails at once if the time-bound guard
 * (webgpu-bounded.test.ts, which runs first) found a call that never returns — the suite would
 * otherwise hang instead of failing.
 */
export async function initWebGPUForTests(options: InitNodeWebGPUOptions = {}): Promise<NodeWebGPUInfo> {
  if (webgpuGuard.failed != null)
    throw new Error(`not running: the webgpu time-bound guard failed (${webgpuGuard.failed})`);
  const previous = tf.getBackend();
  const info = await initNodeWebGPU({...options, setBackend: true});
  installGeneratedWGSLCheck(tf.findBackend('webgpu') as never);
  if (options.setBackend === false) await tf.setBackend(previous);
  return info;
}

/** Set by webgpu-bounded.test.ts when a webgpu call did not return within its bound. */
export const webgpuGuard: {failed: string | null} = {failed: null};

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
