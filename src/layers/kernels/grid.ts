import * as tf from '@tensorflow/tfjs-core';
import {describeJson} from '../../ops/describe.js';

/**
 * Tap offsets from the window centre, z = (di − (kh−1)/2, dj − (kw−1)/2), as two [kh, kw, 1, 1]
 * tensors (row offset z1 grows downwards, column offset z2 to the right), ready to broadcast
 * against per-channel [C] parameters. Even sizes give half-integer offsets, so the quadratic is
 * still centred on the window.
 */
export function tapOffsets(kernelSize: [number, number]): {z1: tf.Tensor4D; z2: tf.Tensor4D} {
  const [kh, kw] = kernelSize;
  const rows = new Float32Array(kh * kw);
  const cols = new Float32Array(kh * kw);
  for (let di = 0; di < kh; di++) {
    for (let dj = 0; dj < kw; dj++) {
      rows[di * kw + dj] = di - (kh - 1) / 2;
      cols[di * kw + dj] = dj - (kw - 1) / 2;
    }
  }
  return {z1: tf.tensor4d(rows, [kh, kw, 1, 1]), z2: tf.tensor4d(cols, [kh, kw, 1, 1])};
}

/** Window radius used to size default scales: half the larger side, at least 1. */
export function windowRadius(kernelSize: [number, number]): number {
  return Math.max(1, (Math.max(kernelSize[0], kernelSize[1]) - 1) / 2);
}

/** n values evenly spread over [lo, hi] (the midpoint when n = 1). */
export function evenlySpread(n: number, lo: number, hi: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = n === 1 ? (lo + hi) / 2 : lo + ((hi - lo) * i) / (n - 1);
  return out;
}

export function checkPositivePair(value: unknown, argName: string): [number, number] | undefined {
  if (value === undefined) return undefined;
  if (
    Array.isArray(value) &&
    value.length === 2 &&
    value.every((v) => typeof v === 'number' && Number.isFinite(v) && v > 0)
  ) {
    return [value[0], value[1]];
  }
  throw new Error(`${argName}: expected a pair of finite positive numbers, but got ${describeJson(value)}`);
}
