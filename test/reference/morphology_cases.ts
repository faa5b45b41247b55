/* Random morphology cases shared by the Node test and the browser spec (browser-safe). */
import type {RefBorder, RefMorphFn} from './morphology_reference.js';
import {uniform} from './random.js';

export interface MorphCase {
  name: string;
  fn: RefMorphFn;
  shape: [number, number, number, number];
  x: Float32Array;
  se: Float32Array;
  seSize: [number, number];
  origin?: [number, number];
  border: RefBorder;
  /** Upstream gradient r of L = Σ r·y. */
  r: Float32Array;
}

export const MORPH_FNS: RefMorphFn[] = [
  'dilation',
  'erosion',
  'opening',
  'closing',
  'gradient',
  'internalGradient',
  'externalGradient',
  'topHat',
  'bottomHat',
];

export const ELEMENTS: Array<{label: string; seSize: [number, number]; flat: boolean; origin?: [number, number]}> = [
  {label: 'flat 3×3', seSize: [3, 3], flat: true},
  {label: 'non-flat 3×3', seSize: [3, 3], flat: false},
  {label: 'non-flat 2×3 origin [0,2]', seSize: [2, 3], flat: false, origin: [0, 2]},
];

export const BORDERS: RefBorder[] = ['geodesic', 0, 0.25];

export function morphCases(fns = MORPH_FNS, elements = ELEMENTS, borders = BORDERS, seed = 1): MorphCase[] {
  const out: MorphCase[] = [];
  const shape: [number, number, number, number] = [1, 5, 6, 2];
  const n = shape.reduce((a, b) => a * b, 1);
  let s = seed;
  for (const fn of fns)
    for (const el of elements)
      for (const border of borders) {
        s++;
        const ks = el.seSize[0] * el.seSize[1] * shape[3];
        out.push({
          name: `${fn}, ${el.label}, border ${border}`,
          fn,
          shape,
          x: uniform(n, -1, 1, 1000 + s),
          se: el.flat ? new Float32Array(ks) : uniform(ks, -0.5, 0.5, 2000 + s),
          seSize: el.seSize,
          origin: el.origin,
          border,
          r: uniform(n, -1, 1, 3000 + s),
        });
      }
  return out;
}
