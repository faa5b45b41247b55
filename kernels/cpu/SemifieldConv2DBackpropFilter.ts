import type {KernelConfig, KernelFunc, TensorInfo} from '@tensorflow/tfjs-core';
import {SEMIFIELD_CONV2D_BACKPROP_FILTER_KERNEL, type SemifieldBackpropInputs} from '../../src/ops/kernel_names.js';
import {type CpuBackendLike, decodeProvenance, kernelSetup, values} from './cpu_util.js';
import {logConvBackpropFilter} from './log_factorised.js';

/*
 * dL/dfilter on the CPU. Selection: each output adds its upstream gradient to the filter tap its
 * provenance names. Invertible: recompute every term and weight dy by ∂y/∂t. Sums run in float64
 * (the filter is small and each entry collects B·OH·OW contributions), then round to float32.
 */
export const semifieldConv2DBackpropFilterCpu: KernelFunc = ({inputs, backend, attrs}) => {
  const cpu = backend as unknown as CpuBackendLike;
  const {dy, x, filter, provenance, y: yInfo} = inputs as SemifieldBackpropInputs<TensorInfo>;
  const {sf, info} = kernelSetup(attrs, x.shape, filter.shape);
  const {batch: B, inHeight: H, inWidth: W, inChannels: Cin, outHeight: OH, outWidth: OW, outChannels: Cout} = info;
  const {inChannelsPerGroup: cpg, outChannelsPerGroup: opg, filterWidth: kw} = info;
  const dyv = values(cpu, dy) as Float32Array;
  const xv = values(cpu, x) as Float32Array;
  const wv = values(cpu, filter) as Float32Array;
  if (sf.config.name === 'log') {
    const fast = logConvBackpropFilter(
      sf.config.mu,
      info,
      values(cpu, dy) as Float32Array,
      xv,
      wv,
      values(cpu, yInfo!) as Float32Array,
    );
    if (fast) return cpu.makeTensorInfo(filter.shape, 'float32', fast);
  }
  const dw = new Float64Array(wv.length);
  if (sf.gradientRule === 'selection') {
    const prov = values(cpu, provenance!) as Int32Array;
    for (let n = 0; n < prov.length; n++) {
      const k = prov[n];
      if (k < 0) continue;
      const o = n % Cout;
      const [di, dj, c] = decodeProvenance(k, info);
      const wi = ((di * kw + dj) * cpg + c) * Cout + o;
      if (sf.multiplicative) {
        const pix = (n - o) / Cout;
        const j = pix % OW;
        const i = ((pix - j) / OW) % OH;
        const b = Math.floor(pix / (OW * OH));
        const ih = i * info.strideHeight + di * info.dilationHeight - info.padTop;
        const iw = j * info.strideWidth + dj * info.dilationWidth - info.padLeft;
        dw[wi] += dyv[n] * xv[((b * H + ih) * W + iw) * Cin + Math.floor(o / opg) * cpg + c];
      } else {
        dw[wi] += dyv[n];
      }
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
                  if (linear) {
                    if (Number.isFinite(xval)) {
                      for (let o = 0; o < opg; o++) dw[wOff + o] += dyv[yo + o] * xval;
                    } else {
                      // A zero upstream gradient times an infinite x adds nothing (not NaN).
                      for (let o = 0; o < opg; o++) if (dyv[yo + o] !== 0) dw[wOff + o] += dyv[yo + o] * xval;
                    }
                  } else {
                    for (let o = 0; o < opg; o++) {
                      const wval = wv[wOff + o];
                      const raw = sf.multiplicative ? xval * wval : xval + wval;
                      const d = dyv[yo + o] * sf.gradWeight(raw, y[yo + o]);
                      // A term with zero weight (clamped, 𝟘) adds nothing, even with an infinite x.
                      if (d === 0) continue;
                      dw[wOff + o] += sf.multiplicative ? d * xval : d;
                    }
                  }
                }
              }
            }
          }
        }
      }
    }
  }
  return cpu.makeTensorInfo(filter.shape, 'float32', Float32Array.from(dw));
};

export const semifieldConv2DBackpropFilterCpuConfig: KernelConfig = {
  kernelName: SEMIFIELD_CONV2D_BACKPROP_FILTER_KERNEL,
  backendName: 'cpu',
  kernelFunc: semifieldConv2DBackpropFilterCpu,
};
