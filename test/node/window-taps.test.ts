// The CPU kernels' one window loop (src/ops/window_taps.ts): every row of every image visited once,
// each window's in-image taps in scan order — against a
// bounds-checked enumeration, for random geometries and tables split into several blocks.
import * as tf from '@tensorflow/tfjs';
import {expect} from 'chai';
import {semifieldConv2d} from '../../src/index.js';
import {computeSemifieldConvInfo} from '../../src/ops/conv_info.js';
import {WindowRows} from '../../src/ops/window_taps.js';
import {referenceConv2d} from '../reference/reference.js';
import {rng} from '../reference/random.js';

function naiveTaps(info: ReturnType<typeof computeSemifieldConvInfo>, i: number, j: number): Array<[number, number]> {
  const taps: Array<[number, number]> = [];
  for (let di = 0; di < info.filterHeight; di++) {
    for (let dj = 0; dj < info.filterWidth; dj++) {
      const ih = i * info.strideHeight + di * info.dilationHeight - info.padTop;
      const iw = j * info.strideWidth + dj * info.dilationWidth - info.padLeft;
      if (ih < 0 || ih >= info.inHeight || iw < 0 || iw >= info.inWidth) continue;
      taps.push([ih * info.inWidth + iw, di * info.filterWidth + dj]);
    }
  }
  return taps;
}

describe('WindowRows (the CPU kernels’ window loop)', () => {
  it('visits every (b, i) once with the in-image taps of each window in scan order (random geometries, several blocks)', () => {
    const rand = rng(17);
    const int = (lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1));
    for (let trial = 0; trial < 200; trial++) {
      const kh = int(1, 5);
      const kw = int(1, 5);
      const H = int(1, 12);
      const W = int(1, 12);
      const pad: [[number, number], [number, number]] = [
        [int(0, kh + 1), int(0, kh + 1)],
        [int(0, kw + 1), int(0, kw + 1)],
      ];
      const strides: [number, number] = [int(1, 3), int(1, 3)];
      const dilations: [number, number] = [int(1, 3), int(1, 3)];
      let info;
      try {
        info = computeSemifieldConvInfo([int(0, 3), H, W, 1], [kh, kw, 1, 1], {strides, dilations, pad});
      } catch {
        continue; // a window larger than the padded input: the op refuses it
      }
      // 1 tap per table forces one row per block; larger values split rows into a few blocks.
      const maxTableTaps = [1, info.outWidth * kh * kw * 2, 1 << 20][trial % 3];
      const rows = new WindowRows(info, maxTableTaps);
      const seen: string[] = [];
      while (rows.next()) {
        const {b, i, window, output, start, pixel, tap} = rows;
        seen.push(`${b},${i}`);
        expect(output).to.equal((b * info.outHeight + i) * info.outWidth);
        for (let j = 0; j < info.outWidth; j++) {
          const got: Array<[number, number]> = [];
          for (let t = start[window + j]; t < start[window + j + 1]; t++) got.push([pixel[t], tap[t]]);
          expect(got, `trial ${trial}, row ${i}, column ${j}`).to.deep.equal(naiveTaps(info, i, j));
        }
      }
      const expected: string[] = [];
      for (let b = 0; b < info.batch; b++) for (let i = 0; i < info.outHeight; i++) expected.push(`${b},${i}`);
      expect([...seen].sort(), `trial ${trial}: rows visited`).to.deep.equal(expected.sort());
      expect(new Set(seen).size).to.equal(seen.length);
    }
  });

  it('a kernel whose window table spans several blocks (2 images of 600 × 600, 3 × 3) matches float64', () => {
    // 600 · 9 taps a row: 194 rows per 2^20-tap table, so 4 blocks, each walked image by image.
    const prev = tf.getBackend();
    tf.setBackend('cpu');
    try {
      const rand = rng(5);
      const xv = Float32Array.from({length: 2 * 600 * 600}, () => rand() * 4 - 2);
      const wv = Float32Array.from({length: 9}, () => rand() - 0.5);
      for (const semifield of ['maxplus', 'linear'] as const) {
        const y = tf.tidy(() =>
          semifieldConv2d(tf.tensor4d(xv, [2, 600, 600, 1]), tf.tensor4d(wv, [3, 3, 1, 1]), semifield, {
            pad: 'same',
          }).dataSync(),
        );
        const ref = referenceConv2d(xv, [2, 600, 600, 1], wv, [3, 3, 1, 1], semifield, {
          strides: [1, 1],
          dilations: [1, 1],
          pad: [1, 1, 1, 1],
          groups: 1,
        }).y;
        let worst = 0;
        for (let n = 0; n < ref.length; n++) worst = Math.max(worst, Math.abs(y[n] - ref[n]));
        expect(worst, semifield).to.be.below(1e-5);
      }
    } finally {
      tf.setBackend(prev);
    }
  });
});
