/*
 * The statistics REPORT.md states, computed from the runs: mean ± sample standard deviation, and
 * the paired comparison of a variant with the baseline over the same seeds (each seed gives both
 * networks the same initialiser seeds and the same batch order, so per-seed differences remove the
 * seed-to-seed spread they share): Student's paired t test (two-sided) and an exact sign test.
 */

export function mean(values: readonly number[]): number {
  return values.length === 0 ? NaN : values.reduce((a, b) => a + b, 0) / values.length;
}

/** Sample standard deviation (n − 1 in the denominator); NaN for fewer than 2 values. */
export function std(values: readonly number[]): number {
  if (values.length < 2) return NaN;
  const m = mean(values);
  return Math.sqrt(values.reduce((a, v) => a + (v - m) ** 2, 0) / (values.length - 1));
}

/** ln Γ(x) for x > 0 (Lanczos, g = 7, 9 terms: ~1e-15 relative). */
export function logGamma(x: number): number {
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
    12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  x -= 1;
  let a = c[0];
  const t = x + 7.5;
  for (let i = 1; i < 9; i++) a += c[i] / (x + i);
  return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(a);
}

/** Continued fraction of the incomplete beta function (modified Lentz; Numerical Recipes' betacf). */
function betaContinuedFraction(a: number, b: number, x: number): number {
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 300; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < 1e-15) break;
  }
  return h;
}

/** Regularised incomplete beta I_x(a, b). */
export function incompleteBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log(1 - x));
  // The continued fraction converges fast for x < (a+1)/(a+b+2); use the symmetry otherwise.
  return x < (a + 1) / (a + b + 2)
    ? (front * betaContinuedFraction(a, b, x)) / a
    : 1 - (front * betaContinuedFraction(b, a, 1 - x)) / b;
}

/** Two-sided p-value of Student's t with `df` degrees of freedom: P(|T| ≥ |t|). */
export function studentTTwoSided(t: number, df: number): number {
  if (Number.isNaN(t) || !(df > 0)) return NaN;
  if (!Number.isFinite(t)) return 0;
  return incompleteBeta(df / (df + t * t), df / 2, 0.5);
}

/** Binomial(n, ½) two-sided exact test of k successes: min(1, 2·P(X ≤ min(k, n−k))). */
export function signTestTwoSided(successes: number, n: number): number {
  if (n === 0) return 1;
  const k = Math.min(successes, n - successes);
  let tail = 0;
  for (let i = 0; i <= k; i++) tail += Math.exp(logGamma(n + 1) - logGamma(i + 1) - logGamma(n - i + 1) - n * Math.LN2);
  return Math.min(1, 2 * tail);
}

export interface PairedComparison {
  /** a − b per pair, in the order given. */
  differences: number[];
  meanDifference: number;
  stdDifference: number;
  /** mean / (std / √n); ±Infinity when every difference is the same non-zero value, NaN when all are 0 or n < 2. */
  t: number;
  df: number;
  /** Two-sided paired t-test p-value. */
  p: number;
  /** Pairs with a > b, a = b, a < b. */
  wins: number;
  ties: number;
  losses: number;
  /** Exact two-sided sign test over the pairs that are not ties. */
  signP: number;
}

/** Paired comparison of `a` with `b` (equal lengths, pair i = the same seed). */
export function pairedComparison(a: readonly number[], b: readonly number[]): PairedComparison {
  if (a.length !== b.length) throw new Error(`pairedComparison: ${a.length} values against ${b.length}`);
  const differences = a.map((v, i) => v - b[i]);
  const n = differences.length;
  const meanDifference = mean(differences);
  const stdDifference = std(differences);
  let t: number;
  if (n < 2) t = NaN;
  else if (stdDifference === 0) t = meanDifference === 0 ? NaN : meanDifference > 0 ? Infinity : -Infinity;
  else t = meanDifference / (stdDifference / Math.sqrt(n));
  const wins = differences.filter((d) => d > 0).length;
  const losses = differences.filter((d) => d < 0).length;
  return {
    differences,
    meanDifference,
    stdDifference,
    t,
    df: n - 1,
    p: Number.isNaN(t) ? (n >= 2 && meanDifference === 0 ? 1 : NaN) : studentTTwoSided(t, n - 1),
    wins,
    ties: n - wins - losses,
    losses,
    signP: signTestTwoSided(wins, wins + losses),
  };
}

/** The t with P(|T| ≥ t) = `alpha` for `df` degrees of freedom (bisection on studentTTwoSided). */
export function tCritical(df: number, alpha = 0.05): number {
  if (!(df > 0)) return NaN;
  let lo = 0;
  let hi = 1;
  while (studentTTwoSided(hi, df) > alpha) hi *= 2;
  for (let i = 0; i < 200 && hi - lo > 1e-12 * hi; i++) {
    const mid = (lo + hi) / 2;
    if (studentTTwoSided(mid, df) > alpha) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/** Two-sided (1 − alpha) confidence interval of the mean difference of a paired comparison. */
export function meanDifferenceInterval(c: PairedComparison, alpha = 0.05): [number, number] {
  const n = c.differences.length;
  const half = tCritical(n - 1, alpha) * (c.stdDifference / Math.sqrt(n));
  return [c.meanDifference - half, c.meanDifference + half];
}
