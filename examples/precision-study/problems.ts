// The study's inputs: seeded, shared by the Node and browser halves so both see identical data.

/** Deterministic uniform [-1, 1) (mulberry32). */
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

/** One linear-conv precision problem: x [1, size, size, cin], w [k, k, cin, cout], 'same' padding. */
export interface StudyProblem {
  seed: number;
  size: number;
  cin: number;
  cout: number;
  k: number;
  x: number[];
  w: number[];
}

export function makeProblem(
  seed: number,
  size: number,
  cin: number,
  cout: number,
  k: number,
  lo = -1,
  hi = 1,
): StudyProblem {
  const rand = seededUniform(seed);
  const u = () => lo + ((rand() + 1) / 2) * (hi - lo);
  return {
    seed,
    size,
    cin,
    cout,
    k,
    x: Array.from({length: size * size * cin}, u),
    w: Array.from({length: k * k * cin * cout}, u),
  };
}

/** tf.conv2d's 'same' padding [top, bottom, left, right] at stride 1. */
export function samePad(size: number, k: number): [number, number, number, number] {
  const total = k - 1;
  const a = Math.floor(total / 2);
  return [a, total - a, a, total - a];
}

/** ‖y − ref‖₂ / ‖ref‖₂. */
export function relativeError(y: ArrayLike<number>, ref: ArrayLike<number>): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < ref.length; i++) {
    const d = y[i] - ref[i];
    num += Number.isFinite(d) ? d * d : Infinity;
    den += ref[i] * ref[i];
  }
  return Math.sqrt(num / den);
}

/** The linear study's configuration: 3×3 (so every algorithm applies), 'same' padding. */
export const LINEAR_STUDY = {seeds: [11, 12, 13], size: 24, cin: 4, cout: 4, k: 3};
/** FFT-specific extra rows: larger kernels where FFT is the interesting algorithm. */
export const LARGE_KERNELS = [7, 11];
