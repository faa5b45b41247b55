import type {KernelConfig, KernelFunc, TensorInfo} from '@tensorflow/tfjs-core';
import {SEMIFIELD_CONV2D_BACKPROP_INPUT_KERNEL, type SemifieldBackpropInputs} from '../../src/ops/kernel_names.js';
import {type CpuBackendLike, decodeProvenance, kernelSetup, values} from './cpu_util.js';
import {logConvBackpropInput} from './log_factorised.js';

/*
 * dL/dx on the CPU. Selection semifields scatter each upstream gradient to the single input
 * position its provenance names (one pass over the outputs). Invertible semifields recompute every
 * term t = x ⊗ w of the window and weight dy by ∂y/∂t = f′(t)/f′(y) — nothing from the forward pass
 * but y is needed.
 */
export const semifieldConv2DBackpropInputCpu: KernelFunc = ({inputs, backend, attrs}) => {
  const cpu = backend as unknown as CpuBackendLike;
  const {dy, x, filter, provenance, y: yInfo} = inputs as SemifieldBackpropInputs<TensorInfo>;
  const {sf, info} = kernelSetup(attrs, x.shape, filter.shape);
  const {batch: B, inHeight: H, inWidth: W, inChannels: Cin, outHeight: OH, outWidth: OW, outChannels: Cout} = info;
  const {inChannelsPerGroup: cpg, outChannelsPerGroup: opg, filterWidth: kw} = info;
  const dyv = values(cpu, dy) as Float32Array;
  const xv = values(cpu, x) as Float32Array;
  const wv = values(cpu, filter) as Float32Array;
  if (sf.config.name === 'log') {
    const fast = logConvBackpropInput(sf.config.mu, info, dyv, xv, wv, values(cpu, yInfo!) as Float32Array);
    if (fast) return cpu.makeTensorInfo(x.shape, 'float32', fast);
  }
  const dx = new Float32Array(B * H * W * Cin);
  if (sf.gradientRule === 'selection') {
    const prov = values(cpu, provenance!) as Int32Array;
    for (let n = 0; n < prov.length; n++) {
      const k = prov[n];
      if (k < 0) continue;
      const o = n % Cout;
      const pix = (n - o) / Cout;
      const j = pix % OW;
      const i = ((pix - j) / OW) % OH;
      const b = Math.floor(pix / (OW * OH));
      const [di, dj, c] = decodeProvenance(k, info);
      const ih = i * info.strideHeight + di * info.dilationHeight - info.padTop;
      const iw = j * info.strideWidth + dj * info.dilationWidth - info.padLeft;
      const g = Math.floor(o / opg);
      const xi = ((b * H + ih) * W + iw) * Cin + g * cpg + c;
      dx[xi] += sf.multiplicative ? dyv[n] * wv[((di * kw + dj) * cpg + c) * Cout + o] : dyv[n];
    }
  } else {
    const y = values(cpu, yInfo!) as Float32Array;
    const linear = sf.accumulation === 'sum';
    for (let b = 0; b < B; b++) {
      for (let i = 0; i < OH; i++) {
        for (let j = 0; j < OW; j++) {
          const yOff = ((b * OH + i) * OW + j) * Cout;
          for (let di = 0; di < info.filterHeight; di++) {
            const ih = i * info.strideHeight + di * info.dilationHeight - info.padTop;
            if (ih < 0 || ih >= H) continue;
            for (let dj = 0; dj < kw; dj++) {
              const iw = j * info.strideWidth + dj * info.dilationWidth - info.padLeft;
              if (iw < 0 || iw >= W) continue;
              const xOff = ((b * H + ih) * W + iw) * Cin;
              const kBase = (di * kw + dj) * cpg;
              for (let g = 0; g < info.groups; g++) {
                for (let c = 0; c < cpg; c++) {
                  const xval = xv[xOff + g * cpg + c];
                  const wOff = (kBase + c) * Cout + g * opg;
                  const yo = yOff + g * opg;
                  let acc = 0;
                  if (linear) {
                    for (let o = 0; o < opg; o++) {
                      const d = dyv[yo + o];
                      // A zero upstream gradient times an infinite w adds nothing (not NaN).
                      if (d !== 0) acc += d * wv[wOff + o];
                    }
                  } else {
                    for (let o = 0; o < opg; o++) {
                      const wval = wv[wOff + o];
                      const raw = sf.multiplicative ? xval * wval : xval + wval;
                      const d = dyv[yo + o] * sf.gradWeight(raw, y[yo + o]);
                      // A term with zero weight (clamped, 𝟘) adds nothing, even with an infinite w.
                      if (d === 0) continue;
                      acc += sf.multiplicative ? d * wval : d;
                    }
                  }
                  dx[xOff + g * cpg + c] += acc;
                }
              }
            }
          }
        }
      }
    }
  }
  return cpu.makeTensorInfo(x.shape, 'float32', dx);
};

export const semifieldConv2DBackpropInputCpuConfig: KernelConfig = {
  kernelName: SEMIFIELD_CONV2D_BACKPROP_INPUT_KERNEL,
  backendName: 'cpu',
  kernelFunc: semifieldConv2DBackpropInputCpu,
};
