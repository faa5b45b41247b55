import type {WinogradTransform} from '../winograd_transforms.js';
import type {NumberFormat} from './formats.js';
import {filterAt, outputSize, paddedReader, type EmulatedConvProblem} from './problem.js';

type Matrix = number[][];

/** P·Q in format f (every product and partial sum rounded / wrapped). */
function matMul(f: NumberFormat, P: Matrix, Q: Matrix): Matrix {
  const out: Matrix = [];
  for (let i = 0; i < P.length; i++) {
    const row: number[] = [];
    for (let j = 0; j < Q[0].length; j++) {
      let acc = 0;
      for (let k = 0; k < Q.length; k++) acc = f.add(acc, f.mul(P[i][k], Q[k][j]));
      row.push(acc);
    }
    out.push(row);
  }
  return out;
}

const transpose = (M: Matrix): Matrix => M[0].map((_, j) => M.map((row) => row[j]));

/**
 * How the ½, ⅙, 1/24… entries of G are handled in an integer format:
 * - `'scaled'` (default): use s·G (integers), so U = s²·(G g Gᵀ) and the output is s²·y; divide
 *   by s² at the end — exact whenever no intermediate overflows;
 * - `'truncated'`: cast G to integers the way `G.astype(int)` does (½ → 0), which silently
 *   computes a different function — the mistake behind large "integer Winograd" errors.
 * Float formats ignore this and round G's entries into the format.
 */
export type IntegerWinogradTransform = 'scaled' | 'truncated';

/**
 * Winograd F(m×m, 3×3) in format f, stage by stage as written in the papers:
 * U = G g Gᵀ per channel pair, V = Bᵀ d B per tile and channel, M = Σ_c U ⊙ V, Y = Aᵀ M A; every
 * intermediate rounded (floats) or wrapped (integers) into f. Tiles past the output are cropped.
 * Returns [outHeight, outWidth, outChannels].
 *
 * @example
 * import {emulatedWinograd, intFormat, WINOGRAD_F2x2_3x3} from 'tfjs-semifield/primitives';
 * const p = {x: Array.from({length: 16}, (_, i) => i), height: 4, width: 4, inChannels: 1,
 *   filter: [1, 2, 1, 0, 0, 0, -1, -2, -1], filterHeight: 3, filterWidth: 3, outChannels: 1,
 *   pad: [0, 0, 0, 0] as [number, number, number, number]};
 * emulatedWinograd(p, intFormat(16), WINOGRAD_F2x2_3x3); // exact: equals the direct sum
 */
export function emulatedWinograd(
  p: EmulatedConvProblem,
  f: NumberFormat,
  t: WinogradTransform,
  integerTransform: IntegerWinogradTransform = 'scaled',
): Float64Array {
  if (p.filterHeight !== 3 || p.filterWidth !== 3)
    throw new Error(
      `problem.filter: Winograd F(m×m, 3×3) needs a 3×3 filter, but got ${p.filterHeight}×${p.filterWidth}`,
    );
  const [oh, ow] = outputSize(p);
  const read = paddedReader(p);
  const {m, a} = t;
  const isInt = f.encoding === 'int';
  const scaledInt = isInt && integerTransform === 'scaled';
  const Graw = scaledInt ? t.scaledG : isInt ? t.G.map((r) => r.map(Math.trunc)) : t.G;
  const G: Matrix = Graw.map((r) => r.map((v) => f.fromReal(v)));
  const GT = transpose(G);
  const BT: Matrix = t.BT.map((r) => [...r]);
  const B = transpose(BT);
  const AT: Matrix = t.AT.map((r) => [...r]);
  const A = transpose(AT);
  const divisor = scaledInt ? t.scale * t.scale : 1;
  // U[c][o] = G g Gᵀ, once per channel pair.
  const U: Matrix[][] = [];
  for (let c = 0; c < p.inChannels; c++) {
    U.push([]);
    for (let o = 0; o < p.outChannels; o++) {
      const g: Matrix = [0, 1, 2].map((di) => [0, 1, 2].map((dj) => filterAt(p, di, dj, c, o)));
      U[c].push(matMul(f, matMul(f, G, g), GT));
    }
  }
  const y = new Float64Array(oh * ow * p.outChannels);
  for (let ti = 0; ti < oh; ti += m)
    for (let tj = 0; tj < ow; tj += m) {
      const V: Matrix[] = [];
      for (let c = 0; c < p.inChannels; c++) {
        const d: Matrix = Array.from({length: a}, (_, u) => Array.from({length: a}, (_, v) => read(ti + u, tj + v, c)));
        V.push(matMul(f, matMul(f, BT, d), B));
      }
      for (let o = 0; o < p.outChannels; o++) {
        const M: Matrix = Array.from({length: a}, () => new Array<number>(a).fill(0));
        for (let c = 0; c < p.inChannels; c++)
          for (let u = 0; u < a; u++)
            for (let v = 0; v < a; v++) M[u][v] = f.add(M[u][v], f.mul(U[c][o][u][v], V[c][u][v]));
        const Y = matMul(f, matMul(f, AT, M), A);
        for (let u = 0; u < m && ti + u < oh; u++)
          for (let v = 0; v < m && tj + v < ow; v++) {
            // Exact when nothing wrapped: Y is then s²·(the integer direct result).
            y[((ti + u) * ow + tj + v) * p.outChannels + o] = divisor === 1 ? Y[u][v] : Math.trunc(Y[u][v] / divisor);
          }
      }
    }
  return y;
}
