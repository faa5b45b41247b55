/*
 * Conv2DBackpropFilter (the weight gradient of tf.conv2d) for the cpu backend, NHWC, and the
 * missing one for wasm: tfjs-backend-wasm 4.22 registers no Conv2DBackpropFilter at all, so
 * tf.layers.conv2d cannot be trained there without it (registerWasmConv2DBackpropFilter).
 *
 * Why: tfjs-backend-cpu 4.22 computes it with TensorBuffer.get() per term, looping over the
 * spatial positions innermost; profiled on the MNIST example it took most of every baseline
 * training step, so the baseline would have been compared against a strawman. This
 * version is the same sum over typed arrays in memory order (output channels innermost), like the
 * fused semifield kernels, and accumulates in float64. NCHW still goes to tfjs's kernel.
 */
import * as tf from '@tensorflow/tfjs-core';
import {type CpuBackendLike, type ReplacementKernel, valuesOf} from './kernel_types.js';

type KernelFunc = tf.KernelConfig['kernelFunc'];
interface WasmBackendLike {
  readSync(dataId: object): unknown;
  makeOutput(shape: number[], dtype: tf.DataType, memoryOffset?: number, values?: Float32Array): tf.TensorInfo;
}
interface Attrs {
  strides: [number, number] | number;
  pad: 'valid' | 'same' | number;
  dataFormat: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  filterShape: [number, number, number, number];
}

let wasmInstalled = false;

/** dW of an NHWC conv2d (dilation 1, as tfjs's kernel) from x and dy values. */
function conv2DFilterGradient(xv: Float32Array, xShape: number[], dyv: Float32Array, attrs: Attrs): Float32Array {
  const {strides, pad, dimRoundingMode, filterShape} = attrs;
  const info = tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape,
    strides,
    1,
    pad as never,
    dimRoundingMode,
    false,
    'channelsLast',
  );
  const {batchSize: B, inHeight: H, inWidth: W, inChannels: Cin, outHeight: OH, outWidth: OW, outChannels: Cout} = info;
  const {filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw} = info;
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  const dw = new Float32Array(kh * kw * Cin * Cout);
  // One filter entry block (tap, input channel, 4 output channels) at a time, summed over every
  // output position in local variables: registers instead of a read-modify-write of a memory
  // accumulator per term (faster on the MNIST example's shapes). Same order of summation per entry
  // (b, i, j) as a straightforward loop, in float64.
  for (let di = 0; di < kh; di++) {
    for (let dj = 0; dj < kw; dj++) {
      const wOff = (di * kw + dj) * Cin * Cout;
      for (let c = 0; c < Cin; c++) {
        const base = wOff + c * Cout;
        let o = 0;
        for (; o < Cout; o += 4) {
          const width = Math.min(4, Cout - o);
          let a0 = 0;
          let a1 = 0;
          let a2 = 0;
          let a3 = 0;
          for (let b = 0; b < B; b++) {
            for (let i = 0; i < OH; i++) {
              const ih = i * sh + di - top;
              if (ih < 0 || ih >= H) continue;
              const xRow = (b * H + ih) * W;
              const dyRow = (b * OH + i) * OW;
              for (let j = 0; j < OW; j++) {
                const iw = j * sw + dj - left;
                if (iw < 0 || iw >= W) continue;
                const xval = xv[(xRow + iw) * Cin + c];
                if (xval === 0) continue; // post-ReLU inputs are mostly zeros
                const d = (dyRow + j) * Cout + o;
                a0 += xval * dyv[d];
                if (width > 1) a1 += xval * dyv[d + 1];
                if (width > 2) a2 += xval * dyv[d + 2];
                if (width > 3) a3 += xval * dyv[d + 3];
              }
            }
          }
          dw[base + o] = a0;
          if (width > 1) dw[base + o + 1] = a1;
          if (width > 2) dw[base + o + 2] = a2;
          if (width > 3) dw[base + o + 3] = a3;
        }
      }
    }
  }
  return dw;
}

export const conv2dBackpropFilterReplacement: ReplacementKernel = (args, tfjsKernel) => {
  const {inputs, backend, attrs} = args as unknown as {
    inputs: {x: tf.TensorInfo; dy: tf.TensorInfo};
    backend: CpuBackendLike;
    attrs: Attrs;
  };
  if (attrs.dataFormat === 'NCHW' || inputs.x.dtype !== 'float32') return tfjsKernel(args);
  const dw = conv2DFilterGradient(valuesOf(backend, inputs.x), inputs.x.shape, valuesOf(backend, inputs.dy), attrs);
  return backend.makeTensorInfo(attrs.filterShape, 'float32', dw);
};

/** The same for the wasm backend (reads the operands out of the wasm heap; NHWC only). */
export const wasmConv2DBackpropFilter: KernelFunc = (args) => {
  const {inputs, backend, attrs} = args as unknown as {
    inputs: {x: tf.TensorInfo; dy: tf.TensorInfo};
    backend: WasmBackendLike;
    attrs: Attrs;
  };
  if (attrs.dataFormat === 'NCHW')
    throw new Error('Conv2DBackpropFilter (wasm, tfjs-semifield/cpu-fast): only NHWC is supported');
  const xv = backend.readSync(inputs.x.dataId) as Float32Array;
  const dyv = backend.readSync(inputs.dy.dataId) as Float32Array;
  return backend.makeOutput(
    attrs.filterShape,
    'float32',
    undefined,
    conv2DFilterGradient(xv, inputs.x.shape, dyv, attrs),
  );
};

/**
 * Give the wasm backend a Conv2DBackpropFilter if it has none: tfjs-backend-wasm 4.22 registers
 * none, so `tf.layers.conv2d` (and the gradient of `tf.conv2d`) cannot be trained on wasm without
 * it. NHWC only. Does nothing when the wasm backend already has one; the wasm backend need not be
 * loaded yet (the kernel is registered by backend name).
 *
 * @returns true when this call registered the kernel.
 *
 * @example
 * import '@tensorflow/tfjs-backend-wasm';
 * import {registerWasmConv2DBackpropFilter} from 'tfjs-semifield/cpu-fast';
 * registerWasmConv2DBackpropFilter();
 */
export function registerWasmConv2DBackpropFilter(): boolean {
  if (wasmInstalled || tf.getKernel('Conv2DBackpropFilter', 'wasm') != null) return false;
  tf.registerKernel({kernelName: 'Conv2DBackpropFilter', backendName: 'wasm', kernelFunc: wasmConv2DBackpropFilter});
  wasmInstalled = true;
  return true;
}
