import type {KernelConfig, KernelFunc, TensorInfo} from '@tensorflow/tfjs-core';
import {SEMIFIELD_CONV2D_KERNEL} from '../../src/ops/kernel_names.js';
import type {SemifieldConvInfo} from '../../src/ops/conv_info.js';
import type {InvertibleSemifield, SelectionSemifield} from '../../src/semifields/types.js';
import {WindowRows} from '../../src/ops/window_taps.js';
import {type CpuBackendLike, kernelSetup, values} from './cpu_util.js';
import {logConvForward} from './log_factorised.js';

/*
 * Fused forward pass on the CPU: a direct loop over windows with the ⊕ accumulation done in place
 * per output pixel. Loop order i | b, j | di, dj | g, c | o keeps the input read once per tap and
 * the innermost loop contiguous over output channels (as tfjs's own conv2d does), and visits terms
 * in the scan order (di, dj, c) that defines provenance ties; the in-image taps of a row are
 * gathered once for the whole batch (src/ops/window_taps.ts). Per-pixel accumulators are float64
 * scratch of Cout entries; nothing the size of a window is ever materialised.
 */

function selectionForward(
  sf: SelectionSemifield,
  info: SemifieldConvInfo,
  x: Float32Array,
  w: Float32Array,
): [Float32Array, Int32Array] {
  const {batch: B, outHeight: OH, outWidth: OW, outChannels: Cout, inHeight: H, inWidth: W, inChannels: Cin} = info;
  const {groups: G, inChannelsPerGroup: cpg, outChannelsPerGroup: opg} = info;
  const y = new Float32Array(B * OH * OW * Cout);
  const prov = new Int32Array(y.length);
  const acc = new Float64Array(Cout);
  const arg = new Int32Array(Cout);
  // Compare in the max direction: for min-plus, -t > -acc ⇔ t < acc. Negating a float32 is exact,
  // so dir·x + dir·w below is bit-for-bit dir·(x + w).
  const dir = sf.direction;
  const wd = dir === 1 ? w : w.map((v) => -v);
  const rows = new WindowRows(info);
  while (rows.next()) {
    const {b, window, output, start, pixel, tap} = rows;
    for (let j = 0; j < OW; j++) {
      acc.fill(-Infinity);
      arg.fill(-1);
      for (let t = start[window + j], tEnd = start[window + j + 1]; t < tEnd; t++) {
        const xOff = (b * H * W + pixel[t]) * Cin;
        const kBase = tap[t] * cpg;
        // The selection op the layers call most is depthwise (one output channel per group:
        // every semifield pooling and morphological layer), where a per-channel loop of length 1
        // would cost more than the comparison it wraps.
        if (opg === 1) {
          for (let g = 0; g < G; g++) {
            for (let c = 0; c < cpg; c++) {
              const v = dir * x[xOff + g * cpg + c] + wd[(kBase + c) * Cout + g];
              if (v > acc[g]) {
                acc[g] = v;
                arg[g] = kBase + c;
              }
            }
          }
        } else {
          for (let g = 0; g < G; g++) {
            const a = g * opg;
            for (let c = 0; c < cpg; c++) {
              const xv = dir * x[xOff + g * cpg + c];
              const wOff = (kBase + c) * Cout + a;
              for (let o = 0; o < opg; o++) {
                const v = xv + wd[wOff + o];
                if (v > acc[a + o]) {
                  acc[a + o] = v;
                  arg[a + o] = kBase + c;
                }
              }
            }
          }
        }
      }
      const yOff = (output + j) * Cout;
      for (let o = 0; o < Cout; o++) {
        y[yOff + o] = dir * acc[o];
        prov[yOff + o] = arg[o];
      }
    }
  }
  return [y, prov];
}

/**
 * Selection forward for groups with several output channels: gathers each window's terms once
 * (dir·x and its tap index), then scans them for 4 output channels at a time with the running
 * best and its index in local variables. Scanning the terms in window order with a strict
 * comparison keeps the "first in scan order" tie rule.
 */
function selectionForwardBlocked(
  sf: SelectionSemifield,
  info: SemifieldConvInfo,
  x: Float32Array,
  w: Float32Array,
): [Float32Array, Int32Array] {
  const {batch: B, outHeight: OH, outWidth: OW, outChannels: Cout, inHeight: H, inWidth: W, inChannels: Cin} = info;
  const {filterHeight: kh, filterWidth: kw, groups: G, inChannelsPerGroup: cpg, outChannelsPerGroup: opg} = info;
  const y = new Float32Array(B * OH * OW * Cout);
  const prov = new Int32Array(y.length);
  const dir = sf.direction;
  const wd = dir === 1 ? w : w.map((v) => -v);
  const xs = new Float64Array(kh * kw * cpg);
  const ks = new Int32Array(kh * kw * cpg);
  const rows = new WindowRows(info);
  while (rows.next()) {
    const {b, window, output, start, pixel, tap} = rows;
    for (let j = 0; j < OW; j++) {
      const yOff = (output + j) * Cout;
      for (let g = 0; g < G; g++) {
        let n = 0;
        for (let t = start[window + j], tEnd = start[window + j + 1]; t < tEnd; t++) {
          const xOff = (b * H * W + pixel[t]) * Cin + g * cpg;
          const kBase = tap[t] * cpg;
          for (let c = 0; c < cpg; c++) {
            xs[n] = dir * x[xOff + c];
            ks[n] = kBase + c;
            n++;
          }
        }
        const end = (g + 1) * opg;
        for (let o = g * opg; o < end; o += 4) {
          const width = Math.min(4, end - o);
          let m0 = -Infinity;
          let m1 = -Infinity;
          let m2 = -Infinity;
          let m3 = -Infinity;
          let a0 = -1;
          let a1 = -1;
          let a2 = -1;
          let a3 = -1;
          for (let t = 0; t < n; t++) {
            const xv = xs[t];
            const k = ks[t];
            const p = k * Cout + o;
            const t0 = xv + wd[p];
            if (t0 > m0) {
              m0 = t0;
              a0 = k;
            }
            if (width > 1) {
              const t1 = xv + wd[p + 1];
              if (t1 > m1) {
                m1 = t1;
                a1 = k;
              }
            }
            if (width > 2) {
              const t2 = xv + wd[p + 2];
              if (t2 > m2) {
                m2 = t2;
                a2 = k;
              }
            }
            if (width > 3) {
              const t3 = xv + wd[p + 3];
              if (t3 > m3) {
                m3 = t3;
                a3 = k;
              }
            }
          }
          y[yOff + o] = dir * m0;
          prov[yOff + o] = a0;
          if (width > 1) {
            y[yOff + o + 1] = dir * m1;
            prov[yOff + o + 1] = a1;
          }
          if (width > 2) {
            y[yOff + o + 2] = dir * m2;
            prov[yOff + o + 2] = a2;
          }
          if (width > 3) {
            y[yOff + o + 3] = dir * m3;
            prov[yOff + o + 3] = a3;
          }
        }
      }
    }
  }
  return [y, prov];
}

function invertibleForward(
  sf: InvertibleSemifield,
  info: SemifieldConvInfo,
  x: Float32Array,
  w: Float32Array,
): Float32Array {
  const {batch: B, outHeight: OH, outWidth: OW, outChannels: Cout, inHeight: H, inWidth: W, inChannels: Cin} = info;
  const {groups: G, inChannelsPerGroup: cpg, outChannelsPerGroup: opg} = info;
  const y = new Float32Array(B * OH * OW * Cout);
  const m = new Float64Array(Cout);
  const s = new Float64Array(Cout);
  const sum = sf.accumulation === 'sum';
  const {zero} = sf;
  const rows = new WindowRows(info);
  while (rows.next()) {
    const {b, window, output, start, pixel, tap} = rows;
    for (let j = 0; j < OW; j++) {
      m.fill(zero);
      s.fill(0);
      for (let t = start[window + j], tEnd = start[window + j + 1]; t < tEnd; t++) {
        const xOff = (b * H * W + pixel[t]) * Cin;
        const kBase = tap[t] * cpg;
        for (let g = 0; g < G; g++) {
          const a = g * opg;
          for (let c = 0; c < cpg; c++) {
            const xv = x[xOff + g * cpg + c];
            const wOff = (kBase + c) * Cout + a;
            if (sum) {
              for (let o = 0; o < opg; o++) s[a + o] += xv * w[wOff + o];
              continue;
            }
            // Online rescaled sum: m is the dominant term so far, s = Σ f(t)/f(m) ≥ 1.
            for (let o = 0; o < opg; o++) {
              const v = sf.term(xv, w[wOff + o]);
              if (v === zero) continue;
              const mo = m[a + o];
              if (sf.dominates(v, mo)) {
                s[a + o] = s[a + o] * sf.ratio(mo, v) + 1;
                m[a + o] = v;
              } else {
                s[a + o] += sf.ratio(v, mo);
              }
            }
          }
        }
      }
      const yOff = (output + j) * Cout;
      if (sum) for (let o = 0; o < Cout; o++) y[yOff + o] = s[o];
      else for (let o = 0; o < Cout; o++) y[yOff + o] = sf.finalize(m[o], s[o]);
    }
  }
  return y;
}

export const semifieldConv2DCpu: KernelFunc = ({inputs, backend, attrs}) => {
  const cpu = backend as unknown as CpuBackendLike;
  const {x, filter} = inputs as {x: TensorInfo; filter: TensorInfo};
  const {sf, info} = kernelSetup(attrs, x.shape, filter.shape);
  const xv = values(cpu, x) as Float32Array;
  const wv = values(cpu, filter) as Float32Array;
  const shape = [info.batch, info.outHeight, info.outWidth, info.outChannels];
  if (sf.gradientRule === 'selection') {
    const [y, prov] = (info.outChannelsPerGroup > 1 ? selectionForwardBlocked : selectionForward)(sf, info, xv, wv);
    return [cpu.makeTensorInfo(shape, 'float32', y), cpu.makeTensorInfo(shape, 'int32', prov)];
  }
  // log(μ): one exp per input term instead of one per term and output channel (log_factorised.ts).
  const y =
    (sf.config.name === 'log' ? logConvForward(sf.config.mu, info, xv, wv) : null) ??
    invertibleForward(sf, info, xv, wv);
  return [cpu.makeTensorInfo(shape, 'float32', y)];
};

export const semifieldConv2DCpuConfig: KernelConfig = {
  kernelName: SEMIFIELD_CONV2D_KERNEL,
  backendName: 'cpu',
  kernelFunc: semifieldConv2DCpu,
};
