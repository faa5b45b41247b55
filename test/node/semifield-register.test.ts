/*
 * registerSemifield: user semifields (max-times, log-sum-exp at a chosen μ declared by hand) against
 * a float64 reference forward and backward (finite differences) on cpu and wasm, the built-ins
 * registered through the same function, fused forms, clear errors for bad definitions, and a layer
 * model using a user semifield saved and reloaded once the semifield is registered again.
 */
import * as tf from '@tensorflow/tfjs';
import {expect} from 'chai';
import {
  getSemifield,
  listSemifields,
  maxplusForTests,
  registerSemifield,
  semifieldConv2d,
  semifieldFromKey,
  unregisterSemifield,
} from './register-imports.js';
import {layers} from '../../src/layers/index.js';
import {finiteDifferences, maxRelError} from '../reference/morphology_reference.js';
import {uniform} from '../reference/random.js';
import {
  LSE_MU,
  lseDefinition,
  maxTimesDefinition,
  refConvGeneric,
  refLse,
  refMaxTimes,
} from '../reference/user_semifields.js';
import {useBackend} from './helpers.js';
import {roundTrip} from './layers-helpers.js';

const xShape: [number, number, number, number] = [1, 5, 6, 2];
const wShape: [number, number, number, number] = [3, 3, 2, 3];

function runOp(
  name: string,
  x: Float32Array,
  w: Float32Array,
  r: Float32Array,
  implementation: 'auto' | 'composite' | 'fused' = 'auto',
) {
  return tf.tidy(() => {
    const xt = tf.tensor4d(x, xShape);
    const wt = tf.tensor4d(w, wShape);
    const opts = {pad: 'same' as const, implementation};
    const y = semifieldConv2d(xt, wt, name, opts);
    const [dx, dw] = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
      tf.sum(tf.mul(semifieldConv2d(a as tf.Tensor4D, b as tf.Tensor4D, name, opts), tf.tensor(r, y.shape))),
    )([xt, wt]);
    return {y: y.dataSync(), dx: dx.dataSync(), dw: dw.dataSync()};
  });
}

describe('registerSemifield', () => {
  before(() => {
    registerSemifield(maxTimesDefinition);
    registerSemifield(lseDefinition);
  });
  after(() => {
    unregisterSemifield('maxtimes');
    unregisterSemifield('lse');
  });

  const cases = [
    {name: 'maxtimes', ref: refMaxTimes, lo: 0.1, hi: 2, tol: 1e-5},
    {name: 'lse', ref: refLse(LSE_MU), lo: -1, hi: 1, tol: 1e-5},
  ];

  for (const backend of ['cpu', 'wasm']) {
    describe(`registerSemifield: user semifields on ${backend} vs float64 (forward, finite-difference backward)`, () => {
      useBackend(backend);
      for (const c of cases) {
        for (const seed of [1, 2, 3]) {
          it(`${c.name}, seed ${seed}`, () => {
            const x = uniform(60, c.lo, c.hi, 100 + seed);
            const w = uniform(54, c.lo, c.hi, 200 + seed);
            const r = uniform(90, -1, 1, 300 + seed);
            const before = tf.memory().numTensors;
            const got = runOp(c.name, x, w, r);
            expect(tf.memory().numTensors, 'leak').to.equal(before);
            const f = (xv: ArrayLike<number>, wv: ArrayLike<number>) =>
              refConvGeneric(xv, xShape, wv, wShape, [1, 1], c.ref);
            expect(maxRelError(got.y, f(x, w)), 'y').to.be.below(c.tol);
            expect(
              maxRelError(
                got.dx,
                finiteDifferences((v) => f(v, w), x, r),
              ),
              'dx',
            ).to.be.below(1e-3);
            expect(
              maxRelError(
                got.dw,
                finiteDifferences((v) => f(x, v), w, r),
              ),
              'dw',
            ).to.be.below(1e-3);
          });
        }
      }
      it('lse at μ equals the built-in {name: log, mu} (forward and both gradients)', () => {
        const x = uniform(60, -3, 3, 7);
        const w = uniform(54, -3, 3, 8);
        const r = uniform(90, -1, 1, 9);
        const a = runOp('lse', x, w, r);
        const b = tf.tidy(() => {
          const xt = tf.tensor4d(x, xShape);
          const wt = tf.tensor4d(w, wShape);
          const g = (p: tf.Tensor, q: tf.Tensor) =>
            semifieldConv2d(p as tf.Tensor4D, q as tf.Tensor4D, {name: 'log', mu: LSE_MU}, {pad: 'same'});
          const [dx, dw] = tf.grads((p: tf.Tensor, q: tf.Tensor) =>
            tf.sum(tf.mul(g(p, q), tf.tensor(r, [1, 5, 6, 3]))),
          )([xt, wt]);
          return {y: g(xt, wt).dataSync(), dx: dx.dataSync(), dw: dw.dataSync()};
        });
        expect(maxRelError(a.y, b.y)).to.be.below(1e-5);
        expect(maxRelError(a.dx, b.dx)).to.be.below(1e-4);
        expect(maxRelError(a.dw, b.dw)).to.be.below(1e-4);
      });
    });
  }

  describe('registerSemifield: registry, fused forms, errors', () => {
    it('lists the built-ins (registered through registerSemifield) and the user semifields; parameters resolve', () => {
      const names = listSemifields().map((s) => s.name);
      expect(names.slice(0, 5)).to.deep.equal(['maxplus', 'minplus', 'log', 'root', 'linear']);
      expect(names).to.include.members(['maxtimes', 'lse']);
      expect(getSemifield({name: 'lse', mu: 0.25}).key).to.equal('{"name":"lse","mu":0.25}');
      expect(semifieldFromKey('{"name":"maxtimes"}')).to.equal(getSemifield('maxtimes'));
      expect(getSemifield('maxtimes').compositeOnly).to.equal(true);
    });

    it('a user semifield with fused forms runs the fused cpu kernels', () => {
      const mp = maxplusForTests;
      registerSemifield({
        name: 'maxplus2',
        zero: -Infinity,
        times: 'add',
        plus: (a, b) => tf.maximum(a, b),
        gradient: {kind: 'selection', better: (t, acc) => tf.greater(t, acc)},
        fused: {term: mp.term, plus: mp.plus, better: mp.better, shader: (lang) => mp.shader(lang)},
      });
      expect(getSemifield('maxplus2').compositeOnly).to.equal(false);
      const x = uniform(60, -1, 1, 1);
      const w = uniform(54, -1, 1, 2);
      const r = uniform(90, -1, 1, 3);
      const fused = runOp('maxplus2', x, w, r, 'fused');
      const ref = runOp('maxplus', x, w, r, 'fused');
      expect(Array.from(fused.y)).to.deep.equal(Array.from(ref.y));
      expect(Array.from(fused.dx)).to.deep.equal(Array.from(ref.dx));
      expect(Array.from(fused.dw)).to.deep.equal(Array.from(ref.dw));
      expect(() => runOp('maxtimes', x, w, r, 'fused')).to.throw(/semifield 'maxtimes' has no fused forms/);
      expect(unregisterSemifield('maxplus2')).to.equal(true);
    });

    it('bad definitions give clear errors', () => {
      const base = {
        zero: -Infinity,
        times: 'add' as const,
        plus: (a: tf.Tensor, b: tf.Tensor) => tf.maximum(a, b),
        gradient: {kind: 'selection' as const, better: (t: tf.Tensor, acc: tf.Tensor) => tf.greater(t, acc)},
      };
      const before = tf.memory().numTensors;
      expect(() => registerSemifield({...base, name: 'maxplus'})).to.throw(
        /'maxplus' is a built-in semifield and cannot be replaced/,
      );
      expect(() => registerSemifield({...base, name: 'bad name!'})).to.throw(
        /name: expected an identifier-like string/,
      );
      expect(() => registerSemifield({...base, name: 'b1', zero: 'inf' as never})).to.throw(
        /'b1'.zero: expected a number/,
      );
      expect(() => registerSemifield({...base, name: 'b2', times: 'max' as never})).to.throw(
        /'b2'.times: expected 'add' or 'multiply'/,
      );
      expect(() => registerSemifield({...base, name: 'b3', zero: 0, probe: [-1, 0.5, 2]})).to.throw(
        /'b3'.zero: 0 is not neutral for ⊕ on the probe: zero ⊕ -1 gave 0/,
      );
      expect(() =>
        registerSemifield({
          ...base,
          name: 'b4',
          gradient: {kind: 'selection', better: (t, acc) => tf.greaterEqual(t, acc)},
        }),
      ).to.throw(/better: must be strict/);
      expect(() =>
        registerSemifield({...base, name: 'b5', gradient: {kind: 'selection', better: (t, acc) => tf.less(t, acc)}}),
      ).to.throw(/better: disagrees with plus/);
      expect(() =>
        registerSemifield({
          ...base,
          name: 'b6',
          plus: (a, b) => tf.add(a, b),
          zero: 0,
          gradient: {kind: 'invertible', f: (t: tf.Tensor) => t, fInverse: (s: tf.Tensor) => s} as never,
        }),
      ).to.throw(/'b6'.gradient.fPrime: expected a function \(the derivative f′ of f/);
      expect(() =>
        registerSemifield({
          ...base,
          name: 'b7',
          plus: (a, b) => tf.add(a, b),
          zero: 0,
          gradient: {kind: 'invertible', f: (t) => t, fInverse: (s) => s, fPrime: (t) => tf.mul(t, 2)},
        }),
      ).to.throw(/'b7'.gradient.fPrime: f′\(0.25\) = 0.5, but f's slope there is 0?\.?9*/);
      expect(() => registerSemifield({...base, name: 'b8', gradient: {kind: 'sum'} as never})).to.throw(
        /'b8'.gradient.kind: expected 'selection' or 'invertible'/,
      );
      expect(() => registerSemifield({name: 'b9', create: 3} as never)).to.throw(/create: expected a function/);
      expect(tf.memory().numTensors, 'leak').to.equal(before);
      expect(listSemifields().map((s) => s.name)).to.not.include.members(['b1', 'b3', 'b7']);
      // A hand-made Semifield object (the exported type invites one) fails clearly, not with a JSON error.
      const handMade = {...getSemifield('maxplus'), name: 'mine', key: 'mine'};
      const x = tf.zeros([1, 3, 3, 1]);
      const w = tf.zeros([2, 2, 1, 1]);
      expect(() => semifieldConv2d(x, w, handMade as never)).to.throw(
        /a Semifield object must come from getSemifield.*registerSemifield/,
      );
      expect(() => semifieldFromKey('mine')).to.throw(
        /semifield key: expected the JSON config of a registered semifield/,
      );
      expect(() => getSemifield('nosuch')).to.throw(
        /expected one of 'maxplus', 'minplus', 'log', 'root', 'linear', 'maxtimes', 'lse'/,
      );
      tf.dispose([x, w]);
    });
  });

  describe('registerSemifield: a layer model with a user semifield saves and reloads', () => {
    useBackend('cpu');
    it('SemifieldConv2D with maxtimes: config names it; loads once registered again', async () => {
      const model = tf.sequential({
        layers: [
          layers.semifieldConv2d({
            inputShape: [6, 6, 1],
            filters: 2,
            kernelSize: 3,
            semifield: 'maxtimes',
            padding: 'same',
            kernelInitializer: tf.initializers.randomUniform({minval: 0.5, maxval: 1.5, seed: 1}),
            useBias: false,
          }),
          tf.layers.flatten(),
          tf.layers.dense({units: 2, kernelInitializer: tf.initializers.glorotUniform({seed: 2})}),
        ],
      });
      const x = tf.randomUniform([3, 6, 6, 1], 0.1, 1, 'float32', 3);
      model.compile({optimizer: tf.train.sgd(0.05), loss: 'meanSquaredError'});
      await model.fit(x, tf.randomUniform([3, 2], 0, 1, 'float32', 4), {epochs: 2, verbose: 0});
      const want = (model.predict(x) as tf.Tensor).dataSync();
      const config = model.getLayer(undefined as never, 0).getConfig();
      expect(config.semifield).to.deep.equal({name: 'maxtimes'});
      // Unregistered: loading fails naming the semifield; registered again: identical predictions.
      unregisterSemifield('maxtimes');
      let error: Error | undefined;
      try {
        await roundTrip(model);
      } catch (e) {
        error = e as Error;
      }
      expect(error?.message).to.match(/'maxtimes'|maxtimes/);
      registerSemifield(maxTimesDefinition);
      const {loaded} = await roundTrip(model);
      expect(Array.from((loaded.predict(x) as tf.Tensor).dataSync())).to.deep.equal(Array.from(want));
    });
  });
});
