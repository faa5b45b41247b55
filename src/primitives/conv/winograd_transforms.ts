/**
 * Winograd minimal-filtering transforms F(m×m, 3×3) (Lavin & Gray, "Fast Algorithms for
 * Convolutional Neural Networks", 2016), in the cross-correlation form tf.conv2d computes:
 * for one input tile d (a×a, a = m + 2) and a 3×3 filter g,
 *
 *     Y = Aᵀ [ (G g Gᵀ) ⊙ (Bᵀ d B) ] A        (m×m output tile)
 *
 * `scale` is the smallest integer s such that s·G has integer entries; `scaledG` = s·G. With it the
 * whole transform runs in integer arithmetic and the output is s²·Y, so dividing by s² is exact.
 */
export interface WinogradTransform {
  /** Output tile size m. */
  readonly m: number;
  /** Input tile size a = m + 2. */
  readonly a: number;
  /** Bᵀ, a×a. */
  readonly BT: readonly (readonly number[])[];
  /** G, a×3. */
  readonly G: readonly (readonly number[])[];
  /** Aᵀ, m×a. */
  readonly AT: readonly (readonly number[])[];
  /** s with s·G integer. */
  readonly scale: number;
  /** s·G, a×3, integer entries. */
  readonly scaledG: readonly (readonly number[])[];
}

function scaled(G: number[][], s: number): number[][] {
  return G.map((row) => row.map((v) => Math.round(v * s)));
}

const G23 = [
  [1, 0, 0],
  [0.5, 0.5, 0.5],
  [0.5, -0.5, 0.5],
  [0, 0, 1],
];

/** F(2×2, 3×3): 16 multiplications per 4 outputs instead of 36; entries 0, ±½, ±1. */
export const WINOGRAD_F2x2_3x3: WinogradTransform = {
  m: 2,
  a: 4,
  BT: [
    [1, 0, -1, 0],
    [0, 1, 1, 0],
    [0, -1, 1, 0],
    [0, 1, 0, -1],
  ],
  G: G23,
  AT: [
    [1, 1, 1, 0],
    [0, 1, -1, -1],
  ],
  scale: 2,
  scaledG: scaled(G23, 2),
};

const G43 = [
  [1 / 4, 0, 0],
  [-1 / 6, -1 / 6, -1 / 6],
  [-1 / 6, 1 / 6, -1 / 6],
  [1 / 24, 1 / 12, 1 / 6],
  [1 / 24, -1 / 12, 1 / 6],
  [0, 0, 1],
];

/**
 * F(4×4, 3×3): 36 multiplications per 16 outputs instead of 144, paid for with entries up to 8 in
 * Aᵀ, 5 in Bᵀ and 1/24 in G — constants that amplify rounding errors (see docs/conv-algorithms.md).
 */
export const WINOGRAD_F4x4_3x3: WinogradTransform = {
  m: 4,
  a: 6,
  BT: [
    [4, 0, -5, 0, 1, 0],
    [0, -4, -4, 1, 1, 0],
    [0, 4, -4, -1, 1, 0],
    [0, -2, -1, 2, 1, 0],
    [0, 2, -1, -2, 1, 0],
    [0, 4, 0, -5, 0, 1],
  ],
  G: G43,
  AT: [
    [1, 1, 1, 1, 1, 0],
    [0, 1, -1, 2, -2, 0],
    [0, 1, 1, 4, 4, 0],
    [0, 1, -1, 8, -8, 1],
  ],
  scale: 24,
  scaledG: scaled(G43, 24),
};

/**
 * The transform for a variant name.
 *
 * @example
 * import {winogradTransform} from 'tfjs-semifield/primitives';
 * winogradTransform('F4x4_3x3').scaledG; // 24·G, integer entries
 */
export function winogradTransform(variant: 'F2x2_3x3' | 'F4x4_3x3'): WinogradTransform {
  return variant === 'F2x2_3x3' ? WINOGRAD_F2x2_3x3 : WINOGRAD_F4x4_3x3;
}

/** Kronecker product P ⊗ Q as a flat row-major array with its shape: ((i,k),(j,l)) ↦ P[i][j]·Q[k][l]. */
export function kron(
  P: readonly (readonly number[])[],
  Q: readonly (readonly number[])[],
): {values: Float32Array; rows: number; cols: number} {
  const rows = P.length * Q.length;
  const cols = P[0].length * Q[0].length;
  const values = new Float32Array(rows * cols);
  for (let i = 0; i < P.length; i++)
    for (let k = 0; k < Q.length; k++)
      for (let j = 0; j < P[0].length; j++)
        for (let l = 0; l < Q[0].length; l++)
          values[(i * Q.length + k) * cols + j * Q[0].length + l] = P[i][j] * Q[k][l];
  return {values, rows, cols};
}
