/*
 * A float64 reference of grey-scale morphology, written from the textbook definitions (Soille,
 * "Morphological Image Analysis", ch. 3–6; the same formulas kornia.morphology computes), not from
 * src/: plain loops over NHWC arrays. Browser-safe (no Node imports): the karma spec uses it too.
 *
 *     dilation δ_b(f)(p) = max_u f(p + o − u) + b(u)
 *     erosion  ε_b(f)(p) = min_u f(p + u − o) − b(u)
 *
 * Border: 'geodesic' skips positions outside the image; a number c reads c there.
 */

export type RefBorder = 'geodesic' | number;

export interface RefMorph {
  /** [B, H, W, C] */
  shape: [number, number, number, number];
  /** [kh, kw] (the element has C channels, row-major [kh, kw, C]) */
  se: ArrayLike<number>;
  seSize: [number, number];
  origin?: [number, number];
  border?: RefBorder;
}

function originOf(m: RefMorph): [number, number] {
  return m.origin ?? [Math.floor(m.seSize[0] / 2), Math.floor(m.seSize[1] / 2)];
}

function window(f: ArrayLike<number>, m: RefMorph, sign: 1 | -1): Float64Array {
  const [B, H, W, C] = m.shape;
  const [kh, kw] = m.seSize;
  const [oy, ox] = originOf(m);
  const border = m.border ?? 'geodesic';
  const out = new Float64Array(B * H * W * C);
  for (let b = 0; b < B; b++)
    for (let i = 0; i < H; i++)
      for (let j = 0; j < W; j++)
        for (let c = 0; c < C; c++) {
          let best = sign === 1 ? -Infinity : Infinity;
          for (let u = 0; u < kh; u++)
            for (let v = 0; v < kw; v++) {
              // dilation reads p + o − u, erosion p + u − o
              const r = sign === 1 ? i + oy - u : i + u - oy;
              const s = sign === 1 ? j + ox - v : j + v - ox;
              let value: number;
              if (r < 0 || r >= H || s < 0 || s >= W) {
                if (border === 'geodesic') continue;
                value = border;
              } else {
                value = f[((b * H + r) * W + s) * C + c];
              }
              const bu = m.se[(u * kw + v) * C + c];
              const t = sign === 1 ? value + bu : value - bu;
              best = sign === 1 ? Math.max(best, t) : Math.min(best, t);
            }
          out[((b * H + i) * W + j) * C + c] = best;
        }
  return out;
}

export const refDilation = (f: ArrayLike<number>, m: RefMorph) => window(f, m, 1);
export const refErosion = (f: ArrayLike<number>, m: RefMorph) => window(f, m, -1);

const sub = (a: ArrayLike<number>, b: ArrayLike<number>) => Float64Array.from(a, (v, k) => v - b[k]);

export type RefMorphFn =
  | 'dilation'
  | 'erosion'
  | 'opening'
  | 'closing'
  | 'gradient'
  | 'internalGradient'
  | 'externalGradient'
  | 'topHat'
  | 'bottomHat';

export function refMorphology(fn: RefMorphFn, f: ArrayLike<number>, m: RefMorph): Float64Array {
  switch (fn) {
    case 'dilation':
      return refDilation(f, m);
    case 'erosion':
      return refErosion(f, m);
    case 'opening':
      return refDilation(refErosion(f, m), m);
    case 'closing':
      return refErosion(refDilation(f, m), m);
    case 'gradient':
      return sub(refDilation(f, m), refErosion(f, m));
    case 'internalGradient':
      return sub(f, refErosion(f, m));
    case 'externalGradient':
      return sub(refDilation(f, m), f);
    case 'topHat':
      return sub(f, refDilation(refErosion(f, m), m));
    case 'bottomHat':
      return sub(refErosion(refDilation(f, m), m), f);
  }
}

/** Geodesic reconstruction iterated in float64 until nothing changes. */
export function refReconstruction(
  marker: ArrayLike<number>,
  mask: ArrayLike<number>,
  m: RefMorph,
  method: 'dilation' | 'erosion' = 'dilation',
): Float64Array {
  const clamp = (v: ArrayLike<number>) =>
    Float64Array.from(v, (a, k) => (method === 'dilation' ? Math.min(a, mask[k]) : Math.max(a, mask[k])));
  let cur = clamp(marker);
  for (let step = 0; step < 100000; step++) {
    const next = clamp(method === 'dilation' ? refDilation(cur, m) : refErosion(cur, m));
    if (next.every((v, k) => v === cur[k])) return next;
    cur = next;
  }
  throw new Error('refReconstruction did not converge');
}

/** Central differences of L = Σ r·g(v) in float64 at every coordinate of v. */
export function finiteDifferences(
  g: (v: Float64Array) => Float64Array,
  v: ArrayLike<number>,
  r: ArrayLike<number>,
  eps = 1e-6,
): Float64Array {
  const at = Float64Array.from(v);
  const loss = () => g(at).reduce((s, y, k) => s + r[k] * y, 0);
  const out = new Float64Array(at.length);
  for (let k = 0; k < at.length; k++) {
    const keep = at[k];
    at[k] = keep + eps;
    const plus = loss();
    at[k] = keep - eps;
    const minus = loss();
    at[k] = keep;
    out[k] = (plus - minus) / (2 * eps);
  }
  return out;
}

/** Largest |a − b| / (1 + |b|), for messages and tolerance checks. */
export function maxRelError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let worst = 0;
  for (let k = 0; k < b.length; k++) {
    const e = a[k] === b[k] ? 0 : Math.abs(a[k] - b[k]) / (1 + Math.abs(b[k]));
    if (!(e <= worst)) worst = e;
  }
  return worst;
}
