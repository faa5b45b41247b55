import * as tf from '@tensorflow/tfjs';
// The package entry: semifieldConv2d runs the fused cpu kernel, as it does for users.
import {semifieldConv2d, type SemifieldConfig} from '../../index.js';
import {bfloat16, float16, float32, type NumberFormat} from '../../src/primitives/index.js';
import type {ErrorCell} from './linear_errors.js';
import {makeProblem, relativeError, samePad, type StudyProblem} from './problems.js';

/** The semifield rows: each with the input range that exercises it (terms up to |6| for log, [0, 4] for root). */
export const SEMIFIELD_CASES: Array<{label: string; config: SemifieldConfig; lo: number; hi: number}> = [
  {label: 'maxplus', config: 'maxplus', lo: -3, hi: 3},
  {label: 'log μ=0.5', config: {name: 'log', mu: 0.5}, lo: -3, hi: 3},
  {label: 'root p=2', config: {name: 'root', p: 2}, lo: 0, hi: 2},
  {label: 'root p=8', config: {name: 'root', p: 8}, lo: 0, hi: 2},
];

type Accumulation = 'anchored' | 'naive';

/**
 * One semifield conv output in format f. Every scalar result — the term x ⊗ w, each exp/log/power
 * (computed exactly, then rounded), each product and sum — is rounded into f.
 * 'anchored' is the kernels' evaluation (running extremum m, rescaled sum s: y = m ⊕-finalised);
 * 'naive' is the textbook formula μ·log Σ e^{t/μ} or (Σ t^p)^{1/p}.
 */
function reduceTerms(config: SemifieldConfig, terms: number[], f: NumberFormat, mode: Accumulation): number {
  const name = typeof config === 'string' ? config : config.name;
  if (name === 'maxplus') return terms.reduce((a, b) => Math.max(a, b), -Infinity);
  if (name === 'log') {
    const mu = (config as {mu: number}).mu;
    if (mode === 'naive') {
      let s = 0;
      for (const t of terms) s = f.add(s, f.fromReal(Math.exp(f.fromReal(t / mu))));
      return f.mul(mu, f.fromReal(Math.log(s)));
    }
    let m = -Infinity;
    let s = 0;
    for (const t of terms) {
      if (t > m) {
        s = f.add(m === -Infinity ? 0 : f.mul(s, f.fromReal(Math.exp(f.fromReal(f.sub(m, t) / mu)))), 1);
        m = t;
      } else {
        s = f.add(s, f.fromReal(Math.exp(f.fromReal(f.sub(t, m) / mu))));
      }
    }
    return f.add(m, f.mul(mu, f.fromReal(Math.log(s))));
  }
  // root
  const p = (config as {p: number}).p;
  if (mode === 'naive') {
    let s = 0;
    for (const t of terms) s = f.add(s, f.fromReal(t ** p));
    return f.fromReal(s ** (1 / p));
  }
  let m = 0;
  let s = 0;
  for (const t of terms) {
    if (t > m) {
      s = f.add(m === 0 ? 0 : f.mul(s, f.fromReal(f.fromReal(m / t) ** p)), 1);
      m = t;
    } else if (m > 0) {
      s = f.add(s, f.fromReal(f.fromReal(t / m) ** p));
    }
  }
  return m === 0 ? 0 : f.mul(m, f.fromReal(s ** (1 / p)));
}

/** Semifield conv of a study problem ('same' padding, out-of-image terms skipped) in format f. */
export function emulatedSemifieldConv(
  s: StudyProblem,
  config: SemifieldConfig,
  f: NumberFormat,
  mode: Accumulation,
): Float64Array {
  const name = typeof config === 'string' ? config : config.name;
  const [top, , left] = samePad(s.size, s.k);
  const y = new Float64Array(s.size * s.size * s.cout);
  const x = s.x.map((v) => f.fromReal(v));
  const w = s.w.map((v) => f.fromReal(v));
  for (let i = 0; i < s.size; i++)
    for (let j = 0; j < s.size; j++)
      for (let o = 0; o < s.cout; o++) {
        const terms: number[] = [];
        for (let di = 0; di < s.k; di++)
          for (let dj = 0; dj < s.k; dj++) {
            const r = i + di - top;
            const c = j + dj - left;
            if (r < 0 || c < 0 || r >= s.size || c >= s.size) continue;
            for (let ch = 0; ch < s.cin; ch++) {
              const xv = x[(r * s.size + c) * s.cin + ch];
              const wv = w[((di * s.k + dj) * s.cin + ch) * s.cout + o];
              terms.push(name === 'root' ? Math.max(0, f.mul(xv, wv)) : f.add(xv, wv));
            }
          }
        y[(i * s.size + j) * s.cout + o] = reduceTerms(config, terms, f, mode);
      }
  return y;
}

const float64Exact: NumberFormat = {
  name: 'float64',
  encoding: 'float',
  bits: 64,
  fromReal: (v) => v,
  add: (a, b) => a + b,
  sub: (a, b) => a - b,
  mul: (a, b) => a * b,
  stats: {overflows: 0, maxAbs: 0},
  resetStats() {},
};

export function semifieldProblems(
  seeds: number[],
  size: number,
  cin: number,
  cout: number,
  k: number,
): Record<string, StudyProblem[]> {
  return Object.fromEntries(
    SEMIFIELD_CASES.map((c) => [c.label, seeds.map((seed) => makeProblem(seed, size, cin, cout, k, c.lo, c.hi))]),
  );
}

/** Emulated float32/float16/bfloat16 × {anchored, naive} plus real tfjs-cpu float32 (`semifieldConv2d`). */
export function semifieldErrorTable(
  problemsByCase: Record<string, StudyProblem[]>,
  onProgress: () => void,
): ErrorCell[] {
  const cells: ErrorCell[] = [];
  for (const c of SEMIFIELD_CASES) {
    const problems = problemsByCase[c.label];
    const refs = problems.map((s) => emulatedSemifieldConv(s, c.config, float64Exact, 'anchored'));
    for (const mode of ['anchored', 'naive'] as const) {
      if (c.config === 'maxplus' && mode === 'naive') continue; // selection: no accumulation to get wrong
      for (const make of [float32, float16, bfloat16]) {
        let sum = 0;
        let overflows = 0;
        problems.forEach((s, i) => {
          const f = make();
          sum += relativeError(emulatedSemifieldConv(s, c.config, f, mode), refs[i]);
          overflows += f.stats.overflows;
        });
        cells.push({algorithm: `${c.label} (${mode})`, format: make().name, error: sum / problems.length, overflows});
        onProgress();
      }
    }
    let sum = 0;
    problems.forEach((s, i) => {
      const y = tf.tidy(() =>
        semifieldConv2d(
          tf.tensor4d(s.x, [1, s.size, s.size, s.cin]),
          tf.tensor4d(s.w, [s.k, s.k, s.cin, s.cout]),
          c.config,
          {pad: 'same'},
        ),
      );
      sum += relativeError(y.dataSync(), refs[i]);
      y.dispose();
    });
    cells.push({
      algorithm: `${c.label} (anchored)`,
      format: 'float32 (tfjs cpu)',
      error: sum / problems.length,
      overflows: 0,
    });
  }
  return cells;
}

/** References for outputs computed in the browser. */
export function semifieldReference(s: StudyProblem, config: SemifieldConfig): Float64Array {
  return emulatedSemifieldConv(s, config, float64Exact, 'anchored');
}
