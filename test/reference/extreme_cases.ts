/*
 * Issue 15's seeded extreme-value cases and their check against the float64 reference, shared by
 * the Node suites (cpu fused, composite on cpu and wasm) and usable unchanged by the browser and
 * Dawn suites (webgl, webgpu): no Node imports, no tfjs import — a suite runs each case with its own
 * backend and hands the results to `checkExtremeCase`.
 *
 * Regimes (one per case, round robin, each on a random small geometry):
 *   inf-x       ±∞ entries in x
 *   inf-nan-w   ±∞ and NaN entries in the filter
 *   root-range  root with p ∈ {0.5, 2, −1}, |values| from 1e-35 to 1e35 (positive upstream)
 *   log-large   log with |x/μ| up to 1e4
 *   padding     windows wholly in the padding (pads larger than the dilated filter)
 *   tiny-image  1×1 images with 5×5 kernels
 *
 * "Defined" is the float64 reference's verdict (reference.ts): an output is undefined (NaN) when one
 * of its terms is (∞ − ∞, 0 · ∞, a NaN operand), a gradient entry when it touches such an output
 * or an infinite output reached by several infinite terms. A NaN from a backend where the reference
 * is defined fails the case; so do wrong infinities and finite values off the reference.
 */
import {rng} from './random.js';
import {referenceConv2d, referenceConv2dGrads, type RefGeometry, type RefSemifield} from './reference.js';

export type ExtremeRegime = 'inf-x' | 'inf-nan-w' | 'root-range' | 'log-large' | 'padding' | 'tiny-image';
export const extremeRegimes: ExtremeRegime[] = [
  'inf-x',
  'inf-nan-w',
  'root-range',
  'log-large',
  'padding',
  'tiny-image',
];

/** Semifield configs in the op's config form (what semifieldConv2d takes). */
export type ExtremeSemifield = 'maxplus' | 'minplus' | 'linear' | {name: 'log'; mu: number} | {name: 'root'; p: number};

export interface ExtremeCase {
  index: number;
  regime: ExtremeRegime;
  semifield: ExtremeSemifield;
  ref: RefSemifield;
  xShape: [number, number, number, number];
  wShape: [number, number, number, number];
  options: {
    strides: [number, number];
    dilations: [number, number];
    pad: [[number, number], [number, number]];
    groups: number;
  };
  geometry: RefGeometry;
  x: Float32Array;
  w: Float32Array;
  /** Upstream gradient r of L = Σ r·y: never 0 (0 · ∞ would make the reference's own value moot). */
  upstream: Float32Array;
  yShape: [number, number, number, number];
}

export function extremeLabel(c: ExtremeCase): string {
  const sf = typeof c.semifield === 'string' ? c.semifield : JSON.stringify(c.semifield);
  return `#${c.index} ${c.regime} ${sf} x[${c.xShape}] w[${c.wShape}] ${JSON.stringify(c.options)}`;
}

function refOf(sf: ExtremeSemifield): RefSemifield {
  if (typeof sf === 'string') return {name: sf};
  return sf.name === 'log' ? {name: 'log', mu: sf.mu} : {name: 'root', p: sf.p};
}

const pick = <T>(r: () => number, items: readonly T[]): T => items[Math.floor(r() * items.length)];
const int = (r: () => number, lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));

function gaussian(r: () => number): number {
  const u = 1 - r();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * r());
}

const allSemifields: ExtremeSemifield[] = [
  'maxplus',
  'minplus',
  'linear',
  {name: 'log', mu: 1},
  {name: 'log', mu: -1},
  {name: 'log', mu: 0.1},
  {name: 'log', mu: -0.05},
  {name: 'root', p: 2},
  {name: 'root', p: 0.5},
  {name: 'root', p: -1},
  {name: 'root', p: 3},
];

/** Case `index` of the suite with this seed: deterministic, independent of every other case. */
export function extremeCase(seed: number, index: number): ExtremeCase {
  const r = rng((seed * 2654435761 + index * 40503) >>> 0);
  const regime = extremeRegimes[index % extremeRegimes.length];
  let semifield: ExtremeSemifield;
  if (regime === 'root-range') semifield = {name: 'root', p: pick(r, [0.5, 2, -1])};
  else if (regime === 'log-large') semifield = {name: 'log', mu: pick(r, [1, -1, 0.01, -0.01, 0.1, -0.1])};
  else semifield = pick(r, allSemifields);

  // Geometry: a small image, kernel, groups; strides / dilations 1–2; pads that keep the output non-empty.
  const groups = pick(r, [1, 1, 2]);
  const cpg = int(r, 1, 2);
  const opg = int(r, 1, 2);
  const cin = groups * cpg;
  const cout = groups * opg;
  const batch = int(r, 1, 2);
  let h = int(r, 1, 5);
  let wd = int(r, 1, 5);
  let kh = int(r, 1, 3);
  let kw = int(r, 1, 3);
  const strides: [number, number] = [int(r, 1, 2), int(r, 1, 2)];
  const dilations: [number, number] = [int(r, 1, 2), int(r, 1, 2)];
  let pad: [[number, number], [number, number]] = [
    [int(r, 0, 2), int(r, 0, 2)],
    [int(r, 0, 2), int(r, 0, 2)],
  ];
  if (regime === 'tiny-image') {
    h = wd = 1;
    kh = kw = 5;
    dilations[0] = dilations[1] = 1;
    pad = [
      [int(r, 0, 4), 0],
      [int(r, 0, 4), 0],
    ];
    pad[0][1] = 4 - pad[0][0];
    pad[1][1] = 4 - pad[1][0];
  } else if (regime === 'padding') {
    // Pads beyond the dilated filter on one side or both: border windows read only padding.
    pad = [
      [(kh - 1) * dilations[0] + int(r, 1, 2), int(r, 0, 4)],
      [int(r, 0, 4), (kw - 1) * dilations[1] + int(r, 1, 2)],
    ];
  }
  // Grow the padding until the dilated filter fits.
  const effH = (kh - 1) * dilations[0] + 1;
  const effW = (kw - 1) * dilations[1] + 1;
  while (h + pad[0][0] + pad[0][1] < effH) pad[0][1]++;
  while (wd + pad[1][0] + pad[1][1] < effW) pad[1][1]++;

  const xShape: [number, number, number, number] = [batch, h, wd, cin];
  const wShape: [number, number, number, number] = [kh, kw, cpg, cout];
  const nx = batch * h * wd * cin;
  const nw = kh * kw * cpg * cout;
  const x = new Float32Array(nx);
  const w = new Float32Array(nw);
  const special = (probInf: number, probNaN: number) => {
    const u = r();
    if (u < probInf / 2) return Infinity;
    if (u < probInf) return -Infinity;
    if (u < probInf + probNaN) return NaN;
    return null;
  };
  const magnitude = () => Math.pow(10, -35 + 70 * r());
  for (let k = 0; k < nx; k++) {
    if (regime === 'root-range') x[k] = r() < 0.1 ? -magnitude() : r() < 0.05 ? 0 : magnitude();
    else if (regime === 'log-large') x[k] = (semifield as {mu: number}).mu * 1e4 * (2 * r() - 1);
    else x[k] = (regime === 'inf-x' ? special(0.3, 0) : special(0.05, 0)) ?? gaussian(r) * 2;
  }
  for (let k = 0; k < nw; k++) {
    if (regime === 'root-range') w[k] = r() < 0.1 ? -magnitude() : magnitude();
    else if (regime === 'log-large') w[k] = (semifield as {mu: number}).mu * 1e4 * (2 * r() - 1);
    else w[k] = (regime === 'inf-nan-w' ? special(0.3, 0.1) : special(0.05, 0.02)) ?? gaussian(r) * 2;
  }
  const geometry: RefGeometry = {strides, dilations, pad: [pad[0][0], pad[0][1], pad[1][0], pad[1][1]], groups};
  const oh = Math.floor((h + pad[0][0] + pad[0][1] - effH) / strides[0]) + 1;
  const ow = Math.floor((wd + pad[1][0] + pad[1][1] - effW) / strides[1]) + 1;
  const yShape: [number, number, number, number] = [batch, oh, ow, cout];
  const upstream = new Float32Array(batch * oh * ow * cout);
  for (let k = 0; k < upstream.length; k++) {
    const m = 0.5 + r();
    upstream[k] = regime === 'root-range' || r() < 0.5 ? m : -m;
  }
  return {
    index,
    regime,
    semifield,
    ref: refOf(semifield),
    xShape,
    wShape,
    options: {strides, dilations, pad, groups},
    geometry,
    x,
    w,
    upstream,
    yShape,
  };
}

/** `count` cases of one seed. */
export function extremeCases(seed: number, count: number): ExtremeCase[] {
  return Array.from({length: count}, (_, k) => extremeCase(seed, k));
}

/**
 * A seeded sample of `count` cases among indices 0..range−1 of the suite with this seed, those
 * `keep` accepts, in index order (the suites that cannot afford every case: each distinct
 * semifield parameter and program variant costs a shader compile, ~0.3–2 s on SwiftShader, while a
 * compiled case runs in ~30 ms).
 */
export function sampleExtremeCases(
  seed: number,
  count: number,
  keep: (c: ExtremeCase) => boolean = () => true,
  range = 2400,
): ExtremeCase[] {
  const r = rng((seed * 7919 + 1) >>> 0);
  const order = Array.from({length: range}, (_, k) => k);
  for (let k = range - 1; k > 0; k--) {
    const j = Math.floor(r() * (k + 1));
    [order[k], order[j]] = [order[j], order[k]];
  }
  const picked: ExtremeCase[] = [];
  for (const index of order) {
    if (picked.length === count) break;
    const c = extremeCase(seed, index);
    if (keep(c)) picked.push(c);
  }
  if (picked.length < count)
    throw new Error(`sampleExtremeCases: only ${picked.length} of ${range} cases qualify, ${count} asked`);
  return picked.sort((a, b) => a.index - b.index);
}

/**
 * What of a case's geometry the compiled programs depend on (besides the semifield): which
 * dimensions of x, the filter and y are 1 (tfjs's WebGPU shader key records broadcast dimensions),
 * channels per group in and out, and whether both strides are 1. Sizes, pads and dilations are
 * uniforms. Cases with one shape class reuse each other's pipelines.
 */
export function extremeShapeClass(c: ExtremeCase): string {
  const ones = (shape: readonly number[]) => shape.map((d) => (d === 1 ? '1' : 'n')).join('');
  const cpg = c.wShape[2];
  const opg = c.wShape[3] / c.options.groups;
  const unit = c.options.strides[0] === 1 && c.options.strides[1] === 1;
  return `${ones(c.xShape)}/${ones(c.wShape)}/${ones(c.yShape)}/${cpg}/${opg}/${unit ? 's1' : 's'}`;
}

/** The semifield of a case as one string ('maxplus', 'log:1', 'root:-1'), for filters. */
export function extremeSemifieldTag(c: ExtremeCase): string {
  const sf = c.semifield;
  return typeof sf === 'string' ? sf : sf.name === 'log' ? `log:${sf.mu}` : `root:${sf.p}`;
}

export interface ExtremeResult {
  y: ArrayLike<number>;
  yShape: readonly number[];
  dx: ArrayLike<number>;
  dw: ArrayLike<number>;
}

export interface ExtremeTolerance {
  /** Relative error of y, against max(|y|, the window's term scale). */
  y: number;
  /** Relative error of a gradient entry, against Σ |contribution| of the reference. */
  grad: number;
}

/** float32's largest finite value; reference values beyond it round to ±∞. */
const F32_MAX = 3.4028234663852886e38;
/**
 * Absolute slack: a float32 backend may lose a value below this to underflow of an intermediate
 * (root p < 0 weights (t/y)^{p−1} ~ 1e-60 times a partner ~ 1e32).
 */
const F32_TINY = 1e-25;

/**
 * Compares one backend result with the float64 reference. Returns the failures (empty = pass),
 * each a line naming the output, the value and the reference.
 */
export function checkExtremeCase(c: ExtremeCase, got: ExtremeResult, tol: ExtremeTolerance): string[] {
  const failures: string[] = [];
  const ref = referenceConv2d(c.x, c.xShape, c.w, c.wShape, c.ref, c.geometry);
  if (got.yShape.join() !== ref.shape.join()) return [`y shape [${got.yShape}], want [${ref.shape}]`];
  // The scale of each output's terms, for additive semifields (float32 rounds x + w at that scale).
  const absX = Float64Array.from(c.x, (v) => (Number.isFinite(v) ? Math.abs(v) : 0));
  const absW = Float64Array.from(c.w, (v) => (Number.isFinite(v) ? Math.abs(v) : 0));
  const additive = c.ref.name !== 'root' && c.ref.name !== 'linear';
  const scale = additive
    ? referenceConv2d(absX, c.xShape, absW, c.wShape, 'maxplus', c.geometry).y
    : c.ref.name === 'linear'
      ? referenceConv2d(absX, c.xShape, absW, c.wShape, 'linear', c.geometry).y
      : null;
  const compare = (what: string, k: number, g: number, want: number, mag: number, rel: number, loose = false) => {
    if (Number.isNaN(want)) return; // undefined: anything goes
    if (Number.isNaN(g)) {
      failures.push(`${what}[${k}] = NaN where the float64 value is ${want}`);
      return;
    }
    if (loose) return; // beyond float32's range: the NaN rule only
    const w32 = Math.abs(want) > F32_MAX ? Math.sign(want) * Infinity : want;
    if (!Number.isFinite(w32)) {
      // An exact infinity must come back as that infinity (a finite value at most at the float32
      // edge when the reference only overflowed float32).
      if (g !== w32 && !(Number.isFinite(want) && Math.abs(g) >= F32_MAX / 4 && Math.sign(g) === Math.sign(want))) {
        failures.push(`${what}[${k}] = ${g}, want ${want}`);
      }
      return;
    }
    if (!Number.isFinite(g)) {
      // Overflow of an intermediate in float32 where the float64 value is finite but huge.
      if (Math.abs(want) >= F32_MAX / 1e6 || mag >= F32_MAX / 1e6) return;
      failures.push(`${what}[${k}] = ${g}, want ${want}`);
      return;
    }
    const bound = rel * Math.max(Math.abs(want), mag) + F32_TINY;
    if (Math.abs(g - want) > bound)
      failures.push(`${what}[${k}] = ${g}, want ${want} (bound ${bound.toExponential(2)})`);
  };
  for (let k = 0; k < ref.y.length; k++) compare('y', k, got.y[k], ref.y[k], scale ? scale[k] : 0, tol.y);
  // Gradients are checked against the reference formula evaluated at the backend's own float32 y
  // (checked above): ∂y/∂t = f′(t)/f′(y) is as good as the y it reads, and a y that float32 cannot
  // hold (root beyond 3.4e38 or below 1e-38) or rounds by an ulp (log at |y/μ| ~ 1e4) would
  // otherwise be charged to the backward pass.
  const grads = referenceConv2dGrads(c.x, c.xShape, c.w, c.wShape, c.ref, c.geometry, c.upstream, got.y);
  for (let k = 0; k < grads.dx.length; k++)
    compare('dx', k, got.dx[k], grads.dx[k], grads.dxMag[k], tol.grad, grads.dxLoose[k] === 1);
  for (let k = 0; k < grads.dw.length; k++)
    compare('dw', k, got.dw[k], grads.dw[k], grads.dwMag[k], tol.grad, grads.dwLoose[k] === 1);
  return failures;
}
