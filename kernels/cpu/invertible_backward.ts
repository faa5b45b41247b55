import type {SemifieldConvInfo} from '../../src/ops/conv_info.js';
import {WindowRows} from '../../src/ops/window_taps.js';
import type {InvertibleSemifield} from '../../src/semifields/types.js';

/*
 * Both backward passes of the invertible semifields on the CPU (the generic path; log(μ) with
 * finite inputs takes log_factorised.ts). Every term t = x ⊗ w of every window is recomputed and
 * its upstream gradient weighted by ∂y/∂t = f′(t)/f′(y) — nothing from the forward pass but y is
 * needed. One walk over the windows serves dL/dx (`wrt` 'input': float32 `grad`, each window
 * position's float64 partial sum added in) and dL/dfilter ('filter': float64 `grad`, each entry
 * collects B·OH·OW contributions).
 */
export function invertibleBackward(
  sf: InvertibleSemifield,
  info: SemifieldConvInfo,
  dy: Float32Array,
  x: Float32Array,
  w: Float32Array,
  y: Float32Array,
  grad: Float32Array | Float64Array,
  wrt: 'input' | 'filter',
): void {
  const input = wrt === 'input';
  const {inHeight: H, inWidth: W, inChannels: Cin, outWidth: OW, outChannels: Cout} = info;
  const {groups: G, inChannelsPerGroup: cpg, outChannelsPerGroup: opg} = info;
  const linear = sf.accumulation === 'sum';
  const rows = new WindowRows(info);
  while (rows.next()) {
    const {b, window, output, start, pixel, tap} = rows;
    const image = b * H * W;
    for (let j = 0; j < OW; j++) {
      const yOff = (output + j) * Cout;
      for (let t = start[window + j], tEnd = start[window + j + 1]; t < tEnd; t++) {
        const xOff = (image + pixel[t]) * Cin;
        const kBase = tap[t] * cpg;
        for (let g = 0; g < G; g++) {
          for (let c = 0; c < cpg; c++) {
            const xval = x[xOff + g * cpg + c];
            const wOff = (kBase + c) * Cout + g * opg;
            const yo = yOff + g * opg;
            // Each case has its own loop over the output channels: the branches stay out of it.
            if (input) {
              let acc = 0;
              if (linear) {
                for (let o = 0; o < opg; o++) {
                  const d = dy[yo + o];
                  // A zero upstream gradient times an infinite w adds nothing (not NaN).
                  if (d !== 0) acc += d * w[wOff + o];
                }
              } else {
                for (let o = 0; o < opg; o++) {
                  const wval = w[wOff + o];
                  const d = dy[yo + o] * sf.gradWeight(sf.multiplicative ? xval * wval : xval + wval, y[yo + o]);
                  // A term with zero weight (clamped, 𝟘) adds nothing, even with an infinite w.
                  if (d !== 0) acc += sf.multiplicative ? d * wval : d;
                }
              }
              grad[xOff + g * cpg + c] += acc;
            } else if (linear) {
              if (Number.isFinite(xval)) {
                for (let o = 0; o < opg; o++) grad[wOff + o] += dy[yo + o] * xval;
              } else {
                // A zero upstream gradient times an infinite x adds nothing (not NaN).
                for (let o = 0; o < opg; o++) if (dy[yo + o] !== 0) grad[wOff + o] += dy[yo + o] * xval;
              }
            } else {
              for (let o = 0; o < opg; o++) {
                const wval = w[wOff + o];
                const d = dy[yo + o] * sf.gradWeight(sf.multiplicative ? xval * wval : xval + wval, y[yo + o]);
                if (d !== 0) grad[wOff + o] += sf.multiplicative ? d * xval : d;
              }
            }
          }
        }
      }
    }
  }
}
