/*
 * Conv2D and FusedConv2D (conv + bias + relu/linear) for the cpu backend, NHWC.
 *
 * Why: tfjs-backend-cpu 4.22's conv2D adds every product straight into the float32 output buffer,
 * recomputing strided offsets and re-reading convInfo fields in the innermost loop; in the MNIST example (examples/node-mnist)
 * it was the largest single cost of a baseline step (14% of a profiled epoch). This is the same sum
 * accumulated in float64 per output, skipping zero inputs — conv #2 reads post-ReLU features, about
 * half of them zero. Skipping a zero input
 * differs from tfjs only if the filter holds ±∞ or NaN (0·∞ is NaN there, nothing here).
 * NCHW, other activations and PReLU weights go to tfjs's own kernel.
 */
import * as tf from '@tensorflow/tfjs-core';
import {type CpuBackendLike, type ReplacementKernel, valuesOf} from './kernel_types.js';

interface ConvAttrs {
  strides: [number, number] | number;
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dataFormat: 'NHWC' | 'NCHW';
  dilations: [number, number] | number;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  activation?: string;
}

/** y = relu?(x ⋆ w + bias) for NHWC x [B, H, W, Cin] and w [kh, kw, Cin, Cout]. */
export function conv2dNHWC(
  xv: Float32Array,
  xShape: number[],
  wv: Float32Array,
  wShape: number[],
  attrs: ConvAttrs,
  bias: Float32Array | null = null,
  relu = false,
): {values: Float32Array; shape: number[]} {
  const info = tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    wShape as [number, number, number, number],
    attrs.strides,
    attrs.dilations,
    attrs.pad as never,
    attrs.dimRoundingMode,
    false,
    'channelsLast',
  );
  const {batchSize: B, inHeight: H, inWidth: W, inChannels: Cin, outHeight: OH, outWidth: OW, outChannels: Cout} = info;
  const {
    filterHeight: kh,
    filterWidth: kw,
    strideHeight: sh,
    strideWidth: sw,
    dilationHeight: dh,
    dilationWidth: dw,
  } = info;
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  const y = new Float32Array(B * OH * OW * Cout);
  // Per output pixel: collect the window's non-zero inputs and their filter offsets once, then
  // sum 4 output channels at a time in local variables (registers, not a memory accumulator), which
  // beat one Float64Array accumulator over all channels on the MNIST example's shapes.
  const terms = kh * kw * Cin;
  const xs = new Float64Array(terms);
  const ws = new Int32Array(terms);
  const finish = (v: number, o: number) => {
    const u = bias == null ? v : v + bias[o];
    return relu && u < 0 ? 0 : u;
  };
  for (let b = 0; b < B; b++) {
    for (let i = 0; i < OH; i++) {
      for (let j = 0; j < OW; j++) {
        let n = 0;
        for (let di = 0; di < kh; di++) {
          const ih = i * sh + di * dh - top;
          if (ih < 0 || ih >= H) continue;
          for (let dj = 0; dj < kw; dj++) {
            const iw = j * sw + dj * dw - left;
            if (iw < 0 || iw >= W) continue;
            const xOff = ((b * H + ih) * W + iw) * Cin;
            const wOff = (di * kw + dj) * Cin * Cout;
            for (let c = 0; c < Cin; c++) {
              const xval = xv[xOff + c];
              if (xval === 0) continue;
              xs[n] = xval;
              ws[n] = wOff + c * Cout;
              n++;
            }
          }
        }
        const yOff = ((b * OH + i) * OW + j) * Cout;
        let o = 0;
        for (; o + 4 <= Cout; o += 4) {
          let a0 = 0;
          let a1 = 0;
          let a2 = 0;
          let a3 = 0;
          for (let t = 0; t < n; t++) {
            const xval = xs[t];
            const base = ws[t] + o;
            a0 += xval * wv[base];
            a1 += xval * wv[base + 1];
            a2 += xval * wv[base + 2];
            a3 += xval * wv[base + 3];
          }
          y[yOff + o] = finish(a0, o);
          y[yOff + o + 1] = finish(a1, o + 1);
          y[yOff + o + 2] = finish(a2, o + 2);
          y[yOff + o + 3] = finish(a3, o + 3);
        }
        for (; o < Cout; o++) {
          let acc = 0;
          for (let t = 0; t < n; t++) acc += xs[t] * wv[ws[t] + o];
          y[yOff + o] = finish(acc, o);
        }
      }
    }
  }
  return {values: y, shape: [B, OH, OW, Cout]};
}

export const conv2dReplacement: ReplacementKernel = (args, tfjsKernel) => {
  const {inputs, backend, attrs} = args as unknown as {
    inputs: {x: tf.TensorInfo; filter: tf.TensorInfo};
    backend: CpuBackendLike;
    attrs: ConvAttrs;
  };
  if (attrs.dataFormat === 'NCHW' || inputs.x.dtype !== 'float32') return tfjsKernel(args);
  const y = conv2dNHWC(
    valuesOf(backend, inputs.x),
    inputs.x.shape,
    valuesOf(backend, inputs.filter),
    inputs.filter.shape,
    attrs,
  );
  return backend.makeTensorInfo(y.shape, 'float32', y.values);
};

export const fusedConv2dReplacement: ReplacementKernel = (args, tfjsKernel) => {
  const {inputs, backend, attrs} = args as unknown as {
    inputs: {x: tf.TensorInfo; filter: tf.TensorInfo; bias?: tf.TensorInfo; preluActivationWeights?: tf.TensorInfo};
    backend: CpuBackendLike;
    attrs: ConvAttrs;
  };
  const activation = attrs.activation ?? 'linear';
  const cout = inputs.filter.shape[3];
  const plainBias = inputs.bias == null || (inputs.bias.shape.length === 1 && inputs.bias.shape[0] === cout);
  if (
    attrs.dataFormat === 'NCHW' ||
    inputs.x.dtype !== 'float32' ||
    !plainBias ||
    (activation !== 'linear' && activation !== 'relu')
  ) {
    return tfjsKernel(args);
  }
  const bias = inputs.bias == null ? null : valuesOf(backend, inputs.bias);
  const y = conv2dNHWC(
    valuesOf(backend, inputs.x),
    inputs.x.shape,
    valuesOf(backend, inputs.filter),
    inputs.filter.shape,
    attrs,
    bias,
    activation === 'relu',
  );
  return backend.makeTensorInfo(y.shape, 'float32', y.values);
};
