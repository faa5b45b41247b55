/*
 * The shared correctness matrix: every semifield × padding × stride/dilation × groups, on a small
 * non-square batch-2 input. Node suites (cpu, composite on cpu and wasm, webgpu through Dawn) and
 * the browser suites (webgl, webgpu) all iterate this same list. Browser-safe.
 */
import {normal, uniform} from './random.js';
import type {RefGeometry, RefSemifield} from './reference.js';

export type CaseSemifield =
  'maxplus' | 'minplus' | 'log' | 'root' | 'linear' | {name: 'log'; mu: number} | {name: 'root'; p: number};

export const caseSemifields: CaseSemifield[] = [
  'maxplus',
  'minplus',
  'log',
  {name: 'log', mu: -0.5},
  {name: 'log', mu: 0.1},
  'root',
  {name: 'root', p: 5},
  'linear',
];

export type CasePad = 'valid' | 'same' | [[number, number], [number, number]];
export const casePads: CasePad[] = [
  'valid',
  'same',
  [
    [1, 2],
    [0, 1],
  ],
];

export interface CaseStep {
  label: string;
  strides: [number, number];
  dilations: [number, number];
}
export const caseSteps: CaseStep[] = [
  {label: 'stride 1', strides: [1, 1], dilations: [1, 1]},
  {label: 'strides 2', strides: [2, 2], dilations: [1, 1]},
  {label: 'dilations 2', strides: [1, 1], dilations: [2, 2]},
  {label: 'strides [2,1] + dilations [1,2]', strides: [2, 1], dilations: [1, 2]},
];

/** Cin = 4, Cout = 4, so groups 1, 2 and Cin (= 4, depthwise) all divide. */
export const caseGroups = [1, 2, 4];

export const caseInputShape: [number, number, number, number] = [2, 7, 6, 4];
export const caseFilterSize: [number, number] = [3, 2];

export interface ConvCase {
  name: string;
  semifield: CaseSemifield;
  ref: RefSemifield;
  options: {strides: [number, number]; dilations: [number, number]; pad: CasePad; groups: number};
  geometry: RefGeometry;
  xShape: number[];
  wShape: number[];
  x: Float32Array;
  w: Float32Array;
}

export function refSemifield(sf: CaseSemifield): RefSemifield {
  if (typeof sf === 'string') return {name: sf, mu: 1, p: 2};
  return sf.name === 'log' ? {name: 'log', mu: sf.mu} : {name: 'root', p: sf.p};
}

export function semifieldLabel(sf: CaseSemifield): string {
  return typeof sf === 'string' ? sf : sf.name === 'log' ? `log(mu=${sf.mu})` : `root(p=${sf.p})`;
}

/** tf.conv2d's 'same' rule, written out here so the reference does not borrow src/'s shape maths. */
export function explicitPad(
  pad: CasePad,
  inHW: [number, number],
  kHW: [number, number],
  strides: [number, number],
  dilations: [number, number],
): [number, number, number, number] {
  if (pad === 'valid') return [0, 0, 0, 0];
  if (pad !== 'same') return [pad[0][0], pad[0][1], pad[1][0], pad[1][1]];
  const out: number[] = [];
  for (let a = 0; a < 2; a++) {
    const o = Math.ceil(inHW[a] / strides[a]);
    const eff = (kHW[a] - 1) * dilations[a] + 1;
    const along = Math.max(0, (o - 1) * strides[a] + eff - inHW[a]);
    out.push(Math.floor(along / 2), along - Math.floor(along / 2));
  }
  return out as [number, number, number, number];
}

/** Inputs for one case: normal values; root gets positive inputs and weights (its domain). */
export function caseData(sf: CaseSemifield, groups: number, xShape: number[], kHW: [number, number], seed: number) {
  const cout = xShape[3];
  const wShape = [kHW[0], kHW[1], xShape[3] / groups, cout];
  const nx = xShape.reduce((a, b) => a * b, 1);
  const nw = wShape.reduce((a, b) => a * b, 1);
  const isRoot = refSemifield(sf).name === 'root';
  const x = isRoot ? uniform(nx, 0.1, 2, seed) : normal(nx, seed);
  const w = isRoot ? uniform(nw, 0.2, 1.5, seed + 1) : normal(nw, seed + 1, 0.5);
  return {x, w, wShape};
}

/** The whole matrix, deterministic. */
export function allCases(): ConvCase[] {
  const cases: ConvCase[] = [];
  let seed = 1;
  for (const semifield of caseSemifields)
    for (const pad of casePads)
      for (const step of caseSteps)
        for (const groups of caseGroups) {
          const {x, w, wShape} = caseData(semifield, groups, caseInputShape, caseFilterSize, seed++ * 7);
          const geometry: RefGeometry = {
            strides: step.strides,
            dilations: step.dilations,
            pad: explicitPad(pad, [caseInputShape[1], caseInputShape[2]], caseFilterSize, step.strides, step.dilations),
            groups,
          };
          cases.push({
            name: `${semifieldLabel(semifield)} | pad ${JSON.stringify(pad)} | ${step.label} | groups ${groups}`,
            semifield,
            ref: refSemifield(semifield),
            options: {strides: step.strides, dilations: step.dilations, pad, groups},
            geometry,
            xShape: caseInputShape,
            wShape,
            x,
            w,
          });
        }
  return cases;
}

/** Max over entries of |a − b| / max(1, |b|), treating equal infinities as 0 error. */
export function maxRelError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length mismatch ${a.length} vs ${b.length}`);
  let worst = 0;
  for (let i = 0; i < a.length; i++) {
    if (a[i] === b[i]) continue;
    const err = Math.abs(a[i] - b[i]) / Math.max(1, Math.abs(b[i]));
    if (Number.isNaN(err)) return NaN; // a NaN anywhere fails every tolerance check
    if (err > worst) worst = err;
  }
  return worst;
}

/** A fixed pseudo-random upstream gradient for L = Σ r·y. */
export function upstreamFor(n: number, seed: number): Float32Array {
  return normal(n, seed + 12345);
}

/** Coordinates to probe with finite differences (all of them when the tensor is small). */
export function probeCoords(n: number, count: number, seed: number): number[] {
  if (n <= count) return Array.from({length: n}, (_, i) => i);
  const r = uniform(count, 0, n, seed + 999);
  return Array.from(new Set(Array.from(r, (v) => Math.floor(v))));
}
