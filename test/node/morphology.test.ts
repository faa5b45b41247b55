import * as tf from '@tensorflow/tfjs';
import {expect} from 'chai';
import {morphology} from '../../index.js';
import {morphCases, type MorphCase} from '../reference/morphology_cases.js';
import {
  finiteDifferences,
  maxRelError,
  refMorphology,
  refReconstruction,
  type RefMorph,
} from '../reference/morphology_reference.js';
import {runMorphCase} from '../reference/morphology_run.js';
import {uniform} from '../reference/random.js';
import {useBackend} from './helpers.js';

function refOf(c: MorphCase, se: ArrayLike<number> = c.se): RefMorph {
  return {shape: c.shape, se, seSize: c.seSize, origin: c.origin, border: c.border};
}

function checkCase(c: MorphCase, tol: number) {
  const got = runMorphCase(c);
  const want = refMorphology(c.fn, c.x, refOf(c));
  expect(maxRelError(got.y, want), `${c.name}: y`).to.be.below(tol);
  const fdX = finiteDifferences((v) => refMorphology(c.fn, v, refOf(c)), c.x, c.r);
  expect(maxRelError(got.dx, fdX), `${c.name}: dx vs finite differences`).to.be.below(1e-3);
  // A flat element is a kink of every function in se (its equal entries tie, and compositions tie
  // between copies of one pixel), so only non-flat elements have a gradient by se to compare.
  if (c.se.every((v) => v === 0)) return;
  const fdSe = finiteDifferences((v) => refMorphology(c.fn, c.x, refOf(c, v)), c.se, c.r);
  expect(maxRelError(got.dse, fdSe), `${c.name}: dse vs finite differences`).to.be.below(1e-3);
}

for (const backend of ['cpu', 'wasm']) {
  describe(`morphology on ${backend}: float64 reference and finite-difference gradients`, () => {
    useBackend(backend);

    for (const c of morphCases()) {
      it(c.name, () => {
        const before = tf.memory().numTensors;
        checkCase(c, 1e-5);
        expect(tf.memory().numTensors, 'tensor leak').to.equal(before);
      });
    }

    for (const method of ['dilation', 'erosion'] as const) {
      for (const [label, seSize, flat] of [
        ['flat 3×3 (default)', [3, 3], true],
        ['non-flat 3×3', [3, 3], false],
      ] as const) {
        it(`reconstruction by ${method}, ${label}: reaches the float64 fixed point, gradients`, () => {
          const shape: [number, number, number, number] = [1, 7, 8, 2];
          const n = 7 * 8 * 2;
          const mask = uniform(n, 0, 1, 11 + (method === 'dilation' ? 0 : 5));
          // Sparse markers: a few seeds inside the mask (dilation) / above it (erosion).
          const noise = uniform(n, 0, 1, 12);
          const marker = Float32Array.from(mask, (v, k) =>
            noise[k] < 0.15 ? v - 0.05 : method === 'dilation' ? 0 : 1,
          );
          // b ≤ 0 with b(origin) = 0: the steps increase (decrease) monotonically to a fixed point.
          const se = flat
            ? new Float32Array(9 * 2)
            : uniform(9 * 2, -0.3, 0, 13).map((v, k) => (k === 8 || k === 9 ? 0 : v));
          const ref: RefMorph = {shape, se, seSize: [seSize[0], seSize[1]]};
          const want = refReconstruction(marker, mask, ref, method);
          const r = uniform(n, -1, 1, 14);
          const before = tf.memory().numTensors;
          const {y, dMarker, dMask} = tf.tidy(() => {
            const mk = tf.tensor4d(marker, shape);
            const ms = tf.tensor4d(mask, shape);
            const opts = {method, ...(flat ? {} : {se: tf.tensor3d(se, [3, 3, 2])})};
            const out = morphology.reconstruction(mk, ms, opts);
            const [g1, g2] = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
              tf.sum(tf.mul(morphology.reconstruction(a, b, opts), tf.tensor4d(r, shape))),
            )([mk, ms]);
            return {y: out.dataSync(), dMarker: g1.dataSync(), dMask: g2.dataSync()};
          });
          expect(tf.memory().numTensors, 'tensor leak').to.equal(before);
          expect(maxRelError(y, want), 'y').to.be.below(1e-5);
          // Not trivial: the reconstruction changed most of the marker.
          expect(y.filter((v, k) => v !== marker[k]).length).to.be.above(n / 2);
          const fdMarker = finiteDifferences((v) => refReconstruction(v, mask, ref, method), marker, r);
          const fdMask = finiteDifferences((v) => refReconstruction(marker, v, ref, method), mask, r);
          expect(maxRelError(dMarker, fdMarker), 'dmarker').to.be.below(1e-3);
          expect(maxRelError(dMask, fdMask), 'dmask').to.be.below(1e-3);
        });
        it(`reconstructionAsync by ${method}, ${label}: the same fixed point`, async () => {
          const shape: [number, number, number, number] = [1, 7, 8, 2];
          const n = 7 * 8 * 2;
          const mask = uniform(n, 0, 1, 31 + (method === 'dilation' ? 0 : 5));
          const noise = uniform(n, 0, 1, 32);
          const marker = Float32Array.from(mask, (v, k) =>
            noise[k] < 0.15 ? v - 0.05 : method === 'dilation' ? 0 : 1,
          );
          const se = flat
            ? new Float32Array(9 * 2)
            : uniform(9 * 2, -0.3, 0, 33).map((v, k) => (k === 8 || k === 9 ? 0 : v));
          const want = refReconstruction(marker, mask, {shape, se, seSize: [seSize[0], seSize[1]]}, method);
          const before = tf.memory().numTensors;
          const [mk, ms] = [tf.tensor4d(marker, shape), tf.tensor4d(mask, shape)];
          const seT = flat ? undefined : tf.tensor3d(se, [3, 3, 2]);
          const out = await morphology.reconstructionAsync(mk, ms, {method, ...(seT ? {se: seT} : {})});
          const y = await out.data();
          tf.dispose([out, mk, ms, ...(seT ? [seT] : [])]);
          expect(tf.memory().numTensors, 'tensor leak').to.equal(before);
          expect(maxRelError(y, want), 'y').to.be.below(1e-5);
        });
      }
    }
  });
}

describe('morphology: conventions, properties and bad arguments (cpu)', () => {
  it('dilation with a flat element equals tf.dilation2d; erosion equals tf.erosion2d-style min filter', () => {
    tf.tidy(() => {
      const x = tf.randomUniform([2, 6, 7, 3], 0, 1, 'float32', 4);
      const se = tf.randomUniform([3, 3, 3], -0.5, 0.5, 'float32', 5);
      // tf.dilation2d is a cross-correlation: our dilation with the element mirrored.
      const mirrored = tf.reverse(se, [0, 1]) as tf.Tensor3D;
      const want = tf.dilation2d(x as tf.Tensor4D, mirrored, 1, 'same');
      expect(maxRelError(morphology.dilation(x, se).dataSync(), want.dataSync())).to.be.below(1e-6);
      // Duality: ε_b(f) = −δ_{b̌}(−f) with the mirrored element (odd element, centred origin).
      const dual = tf.neg(morphology.dilation(tf.neg(x), mirrored));
      expect(maxRelError(morphology.erosion(x, se).dataSync(), dual.dataSync())).to.be.below(1e-6);
    });
  });

  it('opening ≤ f ≤ closing, both idempotent; top-hats ≥ 0; rank-3 input; [kh, kw, 1] element broadcasts', () => {
    tf.tidy(() => {
      const x = tf.randomUniform([9, 8, 2], 0, 1, 'float32', 6);
      const se = tf.randomUniform([3, 3, 1], -0.2, 0, 'float32', 7);
      const open = morphology.opening(x, se);
      const close = morphology.closing(x, se);
      expect(open.shape).to.deep.equal([9, 8, 2]);
      expect(tf.max(tf.sub(open, x)).dataSync()[0]).to.be.at.most(1e-6);
      expect(tf.min(tf.sub(close, x)).dataSync()[0]).to.be.at.least(-1e-6);
      expect(maxRelError(morphology.opening(open, se).dataSync(), open.dataSync())).to.be.below(1e-6);
      expect(maxRelError(morphology.closing(close, se).dataSync(), close.dataSync())).to.be.below(1e-6);
      expect(tf.min(morphology.topHat(x, se)).dataSync()[0]).to.be.at.least(-1e-6);
      expect(tf.min(morphology.bottomHat(x, se)).dataSync()[0]).to.be.at.least(-1e-6);
    });
  });

  it('soft morphology: semifield {name: log, mu} tends to the exact one', () => {
    tf.tidy(() => {
      const x = tf.randomUniform([1, 6, 6, 1], 0, 1, 'float32', 8);
      const se = tf.zeros([3, 3, 1]);
      const exact = morphology.closing(x, se);
      const soft = morphology.closing(x, se, {semifield: {name: 'log', mu: 0.001}});
      expect(maxRelError(soft.dataSync(), exact.dataSync())).to.be.below(0.01);
    });
  });

  it('bad arguments give clear errors and leak nothing', () => {
    const x = tf.zeros([1, 4, 4, 2]);
    const se = tf.zeros([3, 3, 2]);
    const se3 = tf.zeros([3, 3, 3]);
    const x2 = tf.zeros([4, 4]);
    const x5 = tf.zeros([1, 4, 5, 2]);
    const before = tf.memory().numTensors;
    expect(() => morphology.dilation(x, se3)).to.throw(/se: expected a structuring element of shape \[kh, kw, 2\]/);
    expect(() => morphology.dilation(x2, se)).to.throw(/x: expected a rank-4 tensor/);
    expect(() => morphology.erosion(x, se, {origin: [3, 0]})).to.throw(
      /options.origin: expected \[row, column\] integers inside the 3×3 element/,
    );
    expect(() => morphology.opening(x, se, {border: 'reflect' as never})).to.throw(
      /options.border: expected 'geodesic' or a number/,
    );
    expect(() => morphology.closing(x, se, {bordr: 0} as never)).to.throw(/unknown option 'bordr'/);
    expect(() => morphology.gradient(x, se, {variant: 'sobel' as never})).to.throw(
      /options.variant: expected 'beucher', 'internal' or 'external'/,
    );
    expect(() => morphology.topHat(x, se, {semifield: 'minplus'})).to.throw(
      /options.semifield: expected 'maxplus' or \{name: 'log', mu > 0\}/,
    );
    expect(() => morphology.reconstruction(x, x5)).to.throw(/marker and mask: expected equal shapes/);
    expect(() => morphology.reconstruction(x, x, {method: 'opening' as never})).to.throw(
      /options.method: expected 'dilation' or 'erosion'/,
    );
    expect(() => morphology.reconstruction(x, x, {maxIterations: -1})).to.throw(
      /options.maxIterations: expected a non-negative integer/,
    );
    tf.dispose([x, se, se3, x2, x5]);
    expect(tf.memory().numTensors).to.equal(before - 5);
  });
});
