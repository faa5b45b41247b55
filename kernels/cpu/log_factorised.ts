import type {SemifieldConvInfo} from '../../src/ops/conv_info.js';
import {WindowRows} from '../../src/ops/window_taps.js';

/*
 * The log(μ) semifield on the CPU without an exp per term.
 *
 * y = μ·log Σ_k e^{(x_k + w_k)/μ}, and e^{(x + w)/μ} factorises: with anchors X (the dominant x of
 * the window) and W_o (the dominant filter entry of output channel o),
 *
 *     e^{(x_k + w_ko − X − W_o)/μ} = e^{(x_k − X)/μ} · e^{(w_ko − W_o)/μ},   both factors in (0, 1].
 *
 * The filter factors are computed once per call and the input factors once per window, shared by
 * every output channel of the group, so a window of n taps costs n exps instead of n·(Cout/groups)
 * and the sum over the window is a plain dot product: y_o = X + W_o + μ·log s_o.
 *
 * Stability, with everything in float64: each product is ≤ 1, so nothing overflows. A product
 * underflows only when its term lies ~700·|μ| below X + W_o; that loses a term only if the
 * dominant term itself sits that far down, which shows as a tiny s_o. Below MIN_SUM (or, in the
 * backward passes, when the rescale factor e^{(X + W_o − y_o)/μ} exceeds MAX_RESCALE) the output is
 * recomputed exactly with its own dominant term as anchor (two passes over the window). Terms
 * dropped otherwise weigh < 1e-250 relative to the dominant one. Non-finite inputs (±∞ terms)
 * return null and the caller runs the generic online kernel, whose 𝟘 handling covers them.
 *
 * μ < 0 (the soft minimum) is the same with "dominant" meaning smallest: (x − X)/μ ≤ 0 still.
 */

const MIN_SUM = 1e-250;
const MAX_RESCALE = 1e250;

function allFinite(values: ArrayLike<number>): boolean {
  for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i])) return false;
  return true;
}

/** Window scratch: for the n in-image terms of one group, x value, flat x index and filter row k. */
interface Window {
  n: number;
  xv: Float64Array;
  xIdx: Int32Array;
  k: Int32Array;
  /** e^{(x − X)/μ} per term. */
  ex: Float64Array;
  /** Dominant x of the window (X). */
  anchor: number;
}

function makeWindow(info: SemifieldConvInfo): Window {
  const size = info.filterHeight * info.filterWidth * info.inChannelsPerGroup;
  return {
    n: 0,
    xv: new Float64Array(size),
    xIdx: new Int32Array(size),
    k: new Int32Array(size),
    ex: new Float64Array(size),
    anchor: 0,
  };
}

/** Fill `win` with the terms of group g of the window at column j of the current row, and their scaled exponentials. */
function gatherWindow(
  info: SemifieldConvInfo,
  x: Float32Array,
  rows: WindowRows,
  j: number,
  g: number,
  up: boolean,
  invMu: number,
  win: Window,
): void {
  const {inHeight: H, inWidth: W, inChannels: Cin, inChannelsPerGroup: cpg} = info;
  const {b, window, start, pixel, tap} = rows;
  let n = 0;
  let anchor = up ? -Infinity : Infinity;
  for (let t = start[window + j], tEnd = start[window + j + 1]; t < tEnd; t++) {
    const xOff = (b * H * W + pixel[t]) * Cin + g * cpg;
    const kBase = tap[t] * cpg;
    for (let c = 0; c < cpg; c++) {
      const v = x[xOff + c];
      win.xv[n] = v;
      win.xIdx[n] = xOff + c;
      win.k[n] = kBase + c;
      if (up ? v > anchor : v < anchor) anchor = v;
      n++;
    }
  }
  for (let t = 0; t < n; t++) win.ex[t] = Math.exp((win.xv[t] - anchor) * invMu);
  win.n = n;
  win.anchor = anchor;
}

/** Per output channel: dominant filter entry W_o and e^{(w − W_o)/μ} in the filter's layout. */
function scaledFilter(
  w: Float32Array,
  cout: number,
  up: boolean,
  invMu: number,
): {anchor: Float64Array; ew: Float64Array} {
  const anchor = new Float64Array(cout).fill(up ? -Infinity : Infinity);
  for (let i = 0; i < w.length; i++) {
    const o = i % cout;
    if (up ? w[i] > anchor[o] : w[i] < anchor[o]) anchor[o] = w[i];
  }
  const ew = new Float64Array(w.length);
  for (let i = 0; i < w.length; i++) ew[i] = Math.exp((w[i] - anchor[i % cout]) * invMu);
  return {anchor, ew};
}

/** Exact y of one output from its own dominant term (the fallback when the anchors are far off). */
function exactOutput(win: Window, w: Float32Array, cout: number, o: number, up: boolean, mu: number): number {
  let m = up ? -Infinity : Infinity;
  for (let t = 0; t < win.n; t++) {
    const v = win.xv[t] + w[win.k[t] * cout + o];
    if (up ? v > m : v < m) m = v;
  }
  let s = 0;
  for (let t = 0; t < win.n; t++) s += Math.exp((win.xv[t] + w[win.k[t] * cout + o] - m) / mu);
  return m + mu * Math.log(s);
}

/** Forward pass; null when an input is not finite (use the generic kernel then). */
export function logConvForward(
  mu: number,
  info: SemifieldConvInfo,
  x: Float32Array,
  w: Float32Array,
): Float32Array | null {
  if (!allFinite(x) || !allFinite(w)) return null;
  const {batch: B, outHeight: OH, outWidth: OW, outChannels: Cout, groups: G, outChannelsPerGroup: opg} = info;
  const up = mu > 0;
  const invMu = 1 / mu;
  const zero = up ? -Infinity : Infinity;
  const {anchor: wAnchor, ew} = scaledFilter(w, Cout, up, invMu);
  const rows = new WindowRows(info);
  const win = makeWindow(info);
  const y = new Float32Array(B * OH * OW * Cout);
  while (rows.next()) {
    for (let j = 0; j < OW; j++) {
      const yOff = (rows.output + j) * Cout;
      for (let g = 0; g < G; g++) {
        gatherWindow(info, x, rows, j, g, up, invMu, win);
        const n = win.n;
        const end = (g + 1) * opg;
        if (n === 0) {
          for (let o = g * opg; o < end; o++) y[yOff + o] = zero;
          continue;
        }
        const {ex, k} = win;
        // 4 output channels per pass over the window, their sums in local variables (the
        // window's exponentials are read once per 4 channels, not per channel).
        for (let o = g * opg; o < end; o += 4) {
          const width = Math.min(4, end - o);
          let s0 = 0;
          let s1 = 0;
          let s2 = 0;
          let s3 = 0;
          for (let t = 0; t < n; t++) {
            const e = ex[t];
            const p = k[t] * Cout + o;
            s0 += e * ew[p];
            if (width > 1) s1 += e * ew[p + 1];
            if (width > 2) s2 += e * ew[p + 2];
            if (width > 3) s3 += e * ew[p + 3];
          }
          for (let q = 0; q < width; q++) {
            const s = q === 0 ? s0 : q === 1 ? s1 : q === 2 ? s2 : s3;
            y[yOff + o + q] =
              s > MIN_SUM ? win.anchor + wAnchor[o + q] + mu * Math.log(s) : exactOutput(win, w, Cout, o + q, up, mu);
          }
        }
      }
    }
  }
  return y;
}

/**
 * Both backward passes share the weights ∂y_o/∂t = e^{(t − y_o)/μ} = ex·ew·e^{(X + W_o − y_o)/μ}
 * (y as saved, float32, exactly what the generic kernel uses). Returns null when an input or y is
 * not finite. `wantInput` / `wantFilter` select the gradients to accumulate.
 */
function logConvBackward(
  mu: number,
  info: SemifieldConvInfo,
  dy: Float32Array,
  x: Float32Array,
  w: Float32Array,
  y: Float32Array,
  dx: Float64Array | null,
  dw: Float64Array | null,
): boolean {
  if (!allFinite(x) || !allFinite(w) || !allFinite(y)) return false;
  const {outWidth: OW, outChannels: Cout, groups: G, outChannelsPerGroup: opg} = info;
  const up = mu > 0;
  const invMu = 1 / mu;
  const {anchor: wAnchor, ew} = scaledFilter(w, Cout, up, invMu);
  const win = makeWindow(info);
  const dxAcc = new Float64Array(win.xv.length);
  const coef = new Float64Array(opg);
  const rows = new WindowRows(info);
  while (rows.next()) {
    for (let j = 0; j < OW; j++) {
      const yOff = (rows.output + j) * Cout;
      for (let g = 0; g < G; g++) {
        gatherWindow(info, x, rows, j, g, up, invMu, win);
        if (win.n === 0) continue;
        const n = win.n;
        const {ex, k} = win;
        if (dx) dxAcc.fill(0, 0, n);
        const first = g * opg;
        // Per channel: the factor d·e^{(X + W_o − y_o)/μ}, or 0 when d is 0 or the rescale would
        // overflow (those channels take the exact per-term path).
        let live = false;
        for (let o = first; o < first + opg; o++) {
          const d = dy[yOff + o];
          coef[o - first] = 0;
          if (d === 0) continue;
          const yo = y[yOff + o];
          const rescale = Math.exp((win.anchor + wAnchor[o] - yo) * invMu);
          if (rescale <= MAX_RESCALE) {
            coef[o - first] = d * rescale;
            live = true;
            continue;
          }
          for (let t = 0; t < n; t++) {
            const wi = k[t] * Cout + o;
            const g2 = d * Math.exp((win.xv[t] + w[wi] - yo) * invMu);
            if (dw) dw[wi] += g2;
            if (dx) dxAcc[t] += g2;
          }
        }
        if (!live) {
          if (dx) for (let t = 0; t < n; t++) dx[win.xIdx[t]] += dxAcc[t];
          continue;
        }
        // 4 channels per pass over the window (as in the forward): each term's exponential is
        // read once per 4 channels and its dx contribution summed in a local.
        for (let o = first; o < first + opg; o += 4) {
          const width = Math.min(4, first + opg - o);
          const c0 = coef[o - first];
          const c1 = width > 1 ? coef[o - first + 1] : 0;
          const c2 = width > 2 ? coef[o - first + 2] : 0;
          const c3 = width > 3 ? coef[o - first + 3] : 0;
          if (c0 === 0 && c1 === 0 && c2 === 0 && c3 === 0) continue;
          for (let t = 0; t < n; t++) {
            const e = ex[t];
            const wi = k[t] * Cout + o;
            const g0 = c0 * e * ew[wi];
            const g1 = width > 1 ? c1 * e * ew[wi + 1] : 0;
            const g2 = width > 2 ? c2 * e * ew[wi + 2] : 0;
            const g3 = width > 3 ? c3 * e * ew[wi + 3] : 0;
            if (dw) {
              dw[wi] += g0;
              if (width > 1) dw[wi + 1] += g1;
              if (width > 2) dw[wi + 2] += g2;
              if (width > 3) dw[wi + 3] += g3;
            }
            if (dx) dxAcc[t] += g0 + g1 + g2 + g3;
          }
        }
        if (dx) for (let t = 0; t < win.n; t++) dx[win.xIdx[t]] += dxAcc[t];
      }
    }
  }
  return true;
}

/** dL/dx (`wrt` 'input') or dL/dfilter ('filter') for log(μ); null when an input or y is not finite. */
export function logConvBackprop(
  mu: number,
  info: SemifieldConvInfo,
  tensors: {dy: Float32Array; x: Float32Array; w: Float32Array; y: Float32Array},
  wrt: 'input' | 'filter',
): Float32Array | null {
  const {dy, x, w, y} = tensors;
  const grad = new Float64Array(wrt === 'input' ? x.length : w.length);
  const done = logConvBackward(mu, info, dy, x, w, y, wrt === 'input' ? grad : null, wrt === 'filter' ? grad : null);
  return done ? Float32Array.from(grad) : null;
}
