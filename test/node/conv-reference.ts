// Shared by the conv-*.test.ts files: an independent float64 direct convolution and seeded data.
import * as tf from '@tensorflow/tfjs';

/** Deterministic uniform [-1, 1) generator (mulberry32), so failures replay from the seed. */
export function seededUniform(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1;
  };
}

export function randomArray(n: number, rand: () => number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = rand();
  return out;
}

export interface Geometry {
  strides: [number, number];
  dilations: [number, number];
  /** [top, bottom, left, right] */
  pad: [number, number, number, number];
}

/** tf.conv2d's 'same' split (extra padding at the bottom / right) for stride s and dilation d. */
export function samePad(inSize: number, k: number, s: number, d: number): [number, number] {
  const out = Math.ceil(inSize / s);
  const eff = (k - 1) * d + 1;
  const total = Math.max(0, (out - 1) * s + eff - inSize);
  return [Math.floor(total / 2), total - Math.floor(total / 2)];
}

/**
 * y[b,i,j,o] = Σ x[b, i·sh + di·dh − top, j·sw + dj·dw − left, c] · w[di, dj, c, o] in float64,
 * written from the definition (no tfjs), plus the per-output sum of |x·w| — the scale that bounds
 * any summation order's rounding error.
 */
export function referenceConv2d(
  x: ArrayLike<number>,
  xShape: number[],
  w: ArrayLike<number>,
  wShape: number[],
  g: Geometry,
): {y: Float64Array; scale: Float64Array; shape: number[]} {
  const [B, H, W, C] = xShape;
  const [kh, kw, , O] = wShape;
  const [sh, sw] = g.strides;
  const [dh, dw] = g.dilations;
  const [top, bottom, left, right] = g.pad;
  const OH = Math.floor((H + top + bottom - ((kh - 1) * dh + 1)) / sh) + 1;
  const OW = Math.floor((W + left + right - ((kw - 1) * dw + 1)) / sw) + 1;
  const y = new Float64Array(B * OH * OW * O);
  const scale = new Float64Array(B * OH * OW * O);
  for (let b = 0; b < B; b++)
    for (let i = 0; i < OH; i++)
      for (let j = 0; j < OW; j++)
        for (let o = 0; o < O; o++) {
          let acc = 0;
          let mag = 0;
          for (let di = 0; di < kh; di++) {
            const r = i * sh + di * dh - top;
            if (r < 0 || r >= H) continue;
            for (let dj = 0; dj < kw; dj++) {
              const c0 = j * sw + dj * dw - left;
              if (c0 < 0 || c0 >= W) continue;
              for (let c = 0; c < C; c++) {
                const t = x[((b * H + r) * W + c0) * C + c] * w[((di * kw + dj) * C + c) * O + o];
                acc += t;
                mag += Math.abs(t);
              }
            }
          }
          const k = ((b * OH + i) * OW + j) * O + o;
          y[k] = acc;
          scale[k] = mag;
        }
  return {y, scale, shape: [B, OH, OW, O]};
}

/** max |a − b| / max(1e-30, max scale): the error relative to the worst-case magnitude of the sum. */
export function scaledMaxError(a: ArrayLike<number>, b: ArrayLike<number>, scale: ArrayLike<number>): number {
  let err = 0;
  let s = 0;
  for (let i = 0; i < a.length; i++) {
    err = Math.max(err, Math.abs(a[i] - b[i]));
    s = Math.max(s, scale[i]);
  }
  return err / Math.max(1e-30, s);
}

export function meanAbsError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i] - b[i]);
  return sum / a.length;
}

/** Run `fn` and assert it throws an Error matching `pattern` without leaving tensors behind. */
export function expectThrowsNoLeak(fn: () => unknown, pattern: RegExp): void {
  const before = tf.memory().numTensors;
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  if (!(caught instanceof Error))
    throw new Error(`expected an Error matching ${pattern}, but nothing (or a non-Error) was thrown`);
  if (!pattern.test(caught.message))
    throw new Error(`expected an Error matching ${pattern}, but got: ${caught.message}`);
  const after = tf.memory().numTensors;
  if (after !== before) throw new Error(`leaked ${after - before} tensor(s) on bad input (${caught.message})`);
}
