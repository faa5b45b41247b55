import * as tf from '@tensorflow/tfjs';
import {expect} from 'chai';
import fc from 'fast-check';
import {
  lnsErrorBound,
  lnsMatMul,
  lnsMatMulEmulated,
  lnsQuantize,
  mitchellMaxRatio,
} from '../../src/primitives/index.js';

/** Seeded Gaussian values (mulberry32 + Box–Muller). */
function gaussian(count: number, seed: number, scale = 1): number[] {
  let s = seed >>> 0;
  const uniform = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return Array.from(
    {length: count},
    () => scale * Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform()),
  );
}

/** Float64 product (inputs taken as given) and Σ_k |a_ik·b_kj|. */
function reference(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  m: number,
  k: number,
  n: number,
): {y: Float64Array; scale: Float64Array} {
  const y = new Float64Array(m * n);
  const scale = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      for (let l = 0; l < k; l++) {
        const t = a[i * k + l] * b[l * n + j];
        y[i * n + j] += t;
        scale[i * n + j] += Math.abs(t);
      }
    }
  }
  return {y, scale};
}

function relativeFrobenius(got: ArrayLike<number>, want: ArrayLike<number>): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < want.length; i++) {
    num += (got[i] - want[i]) ** 2;
    den += want[i] ** 2;
  }
  return Math.sqrt(num / den);
}

function emulate(
  aValues: number[],
  bValues: number[],
  m: number,
  k: number,
  n: number,
  options: Parameters<typeof lnsMatMulEmulated>[2],
) {
  const a = tf.tensor2d(aValues, [m, k]);
  const b = tf.tensor2d(bValues, [k, n]);
  try {
    return lnsMatMulEmulated(a, b, options);
  } finally {
    tf.dispose([a, b]);
  }
}

const shapes = fc.record({
  m: fc.integer({min: 1, max: 8}),
  k: fc.integer({min: 1, max: 24}),
  n: fc.integer({min: 1, max: 8}),
  seed: fc.integer(),
});

describe('linear: LNS format', () => {
  it('quantises to the nearest (−1)^s·2^(e/n), keeps zeros, and respects integerBits (saturate / flush to zero)', () => {
    const q = lnsQuantize([3, -0.1, 0, 1, -1], {fracBits: 2});
    expect(q[0]).to.equal(2 ** (6 / 4)); // log2 3 = 1.585 → 6/4
    expect(q[1]).to.equal(-(2 ** (-13 / 4))); // log2 0.1 = −3.32 → −13/4
    expect([q[2], q[3], q[4]]).to.deep.equal([0, 1, -1]);
    // integerBits 2, fracBits 2: e ∈ [−8, 7]. 100 saturates at 2^(7/4); 0.26 (e = −7.8 → −8) is the
    // smallest code 2^−2; 0.2 (e = −9.3 → −9) and 0.01 underflow and flush to zero.
    const r = lnsQuantize([100, -100, 0.26, 0.2, 0.01], {fracBits: 2, integerBits: 2});
    expect(Array.from(r)).to.deep.equal([2 ** (7 / 4), -(2 ** (7 / 4)), 2 ** -2, 0, 0]);
  });

  it('relative quantisation error of one value is at most 2^(1/(2n)) − 1', () => {
    fc.assert(
      fc.property(fc.integer({min: 0, max: 16}), fc.double({min: 1e-30, max: 1e30, noNaN: true}), (fracBits, v) => {
        const [q] = lnsQuantize([v], {fracBits});
        expect(Math.abs(q - v) / v).to.be.at.most(2 ** (1 / 2 ** (fracBits + 1)) - 1 + 1e-15);
      }),
    );
  });

  it('Mitchell ratio: 1 for the exact adder, ≈1.0615 at its worst (h = 0, at x = 1/ln2 − 1)', () => {
    expect(mitchellMaxRatio(8, 8)).to.equal(1);
    const x = 1 / Math.LN2 - 1;
    expect(mitchellMaxRatio(12, 0)).to.be.closeTo((1 + x) / 2 ** x, 1e-15);
    expect(mitchellMaxRatio(12, 0)).to.be.closeTo(1.0615, 1e-4);
    // brute force over the x that occur
    let worst = 0;
    for (let r = 0; r < 2 ** 12; r++) worst = Math.max(worst, (1 + r / 4096) / 2 ** (r / 4096));
    expect(worst).to.be.at.most(mitchellMaxRatio(12, 0));
    expect(mitchellMaxRatio(8, 3)).to.be.closeTo((1 + 0.125 - 1 / 256) / 2 ** (0.125 - 1 / 256), 1e-12);
  });
});

describe('linear: lnsMatMulEmulated (bit-accurate emulation)', () => {
  it('the binned accumulation is exact: sums equal the float64 sum of the quantised products', () => {
    fc.assert(
      fc.property(shapes, fc.integer({min: 0, max: 12}), ({m, k, n, seed}, fracBits) => {
        const a = gaussian(m * k, seed).map(Math.fround);
        const b = gaussian(k * n, seed + 1).map(Math.fround);
        const result = emulate(a, b, m, k, n, {fracBits});
        expect(result.exact).to.equal(true);
        const qa = lnsQuantize(a, {fracBits});
        const qb = lnsQuantize(b, {fracBits});
        const {y, scale} = reference(qa, qb, m, k, n);
        // The quantised products are exact powers 2^(e/n) rounded once by Math.pow (1 ulp) and summed in
        // float64: the two sides differ by float64 rounding only (≲ (k + bins)·2^−53 relative to Σ|t|).
        for (let i = 0; i < y.length; i++) expect(Math.abs(result.sums[i] - y[i])).to.be.at.most(1e-12 * scale[i]);
      }),
      {numRuns: 60},
    );
  });

  it('bit-exact on powers of two at F = 0 (pure shift-and-add)', () => {
    const a = [1, -2, 4, 0.5];
    const b = [8, -0.25, 0, 16];
    const r = emulate(a, b, 2, 2, 2, {fracBits: 0});
    expect(Array.from(r.sums)).to.deep.equal([
      1 * 8 + -2 * 0,
      1 * -0.25 + -2 * 16,
      4 * 8 + 0.5 * 0,
      4 * -0.25 + 0.5 * 16,
    ]);
    expect(Array.from(r.values)).to.deep.equal([8, -32, 32, 8]); // −32.25 → −2^5, 7 → 2^3 (log2 7 = 2.81)
    expect(Array.from(r.exponents)).to.deep.equal([3, 5, 5, 3]);
    expect(Array.from(r.negative)).to.deep.equal([0, 1, 0, 0]);
  });

  it('stays within the derived bound β·Σ|a||b| (exact and hybrid adders, mixed magnitudes)', () => {
    fc.assert(
      fc.property(
        shapes,
        fc.integer({min: 0, max: 12}),
        fc.nat(),
        fc.integer({min: -3, max: 3}),
        ({m, k, n, seed}, fracBits, hRaw, decade) => {
          const hybridBits = hRaw % (fracBits + 1);
          const a = gaussian(m * k, seed, 10 ** decade).map((v, i) => (i % 7 === 3 ? 0 : Math.fround(v)));
          const b = gaussian(k * n, seed + 1).map((v, i) => Math.fround(i % 2 ? -Math.abs(v) : v));
          const options = {fracBits, hybridBits};
          const result = emulate(a, b, m, k, n, options);
          const beta = lnsErrorBound(options);
          const {y, scale} = reference(a, b, m, k, n);
          for (let i = 0; i < y.length; i++)
            expect(Math.abs(result.values[i] - y[i])).to.be.at.most(beta * scale[i] + 1e-300);
        },
      ),
      {numRuns: 100},
    );
  });

  it('error decreases with every extra fraction bit, by about half (property over random Gaussian matrices)', () => {
    fc.assert(
      fc.property(fc.integer(), fc.integer({min: 2, max: 11}), (seed, fracBits) => {
        const [m, k, n] = [24, 32, 24];
        const a = gaussian(m * k, seed).map(Math.fround);
        const b = gaussian(k * n, seed + 1).map(Math.fround);
        const {y} = reference(a, b, m, k, n);
        const coarse = relativeFrobenius(emulate(a, b, m, k, n, {fracBits}).values, y);
        const fine = relativeFrobenius(emulate(a, b, m, k, n, {fracBits: fracBits + 1}).values, y);
        expect(fine).to.be.below(coarse);
        expect(fine / coarse).to.be.within(0.3, 0.75);
      }),
      {numRuns: 40},
    );
  });

  it('relative error near 1e-3 at F = 8 on Gaussian 64×64 matrices; hybrid adds Mitchell error', () => {
    const [m, k, n] = [64, 64, 64];
    const a = gaussian(m * k, 42).map(Math.fround);
    const b = gaussian(k * n, 43).map(Math.fround);
    const {y} = reference(a, b, m, k, n);
    const exact = relativeFrobenius(emulate(a, b, m, k, n, {fracBits: 8}).values, y);
    expect(exact).to.be.within(5e-4, 2e-3);
    const hybrid = relativeFrobenius(emulate(a, b, m, k, n, {fracBits: 8, hybridBits: 4}).values, y);
    const hybridFull = emulate(a, b, m, k, n, {fracBits: 8, hybridBits: 8}).values;
    expect(Array.from(hybridFull)).to.deep.equal(Array.from(emulate(a, b, m, k, n, {fracBits: 8}).values));
    expect(hybrid).to.be.above(exact);
  });
});

describe('linear: lnsMatMul (tfjs ops)', () => {
  it('agrees with the emulation (one output code at most) and stays within the bound plus float32 terms', () => {
    fc.assert(
      fc.property(shapes, fc.integer({min: 0, max: 10}), fc.nat(), ({m, k, n, seed}, fracBits, hRaw) => {
        const hybridBits = hRaw % (fracBits + 1);
        const a = gaussian(m * k, seed).map((v, i) => (i % 5 === 1 ? 0 : Math.fround(v)));
        const b = gaussian(k * n, seed + 1).map(Math.fround);
        const options = {fracBits, hybridBits};
        const emulated = emulate(a, b, m, k, n, options);
        const got = tf.tidy(() => lnsMatMul(tf.tensor2d(a, [m, k]), tf.tensor2d(b, [k, n]), options).dataSync());
        const {y, scale} = reference(a, b, m, k, n);
        const step = 2 ** (1 / 2 ** fracBits) - 1; // one output code, relative
        // float32 accumulators (≤ k·2^−24·Σ|t|) and float32 logs (≤ ~1e-6 relative) on top of the emulation.
        const float32 = (k + 4) * 2 ** -23;
        for (let i = 0; i < y.length; i++) {
          expect(Math.abs(got[i] - emulated.values[i])).to.be.at.most(
            step * Math.abs(emulated.values[i]) + float32 * scale[i] * 4 + 1e-30,
          );
          expect(Math.abs(got[i] - y[i])).to.be.at.most(
            (lnsErrorBound(options) + step + 4 * float32) * scale[i] + 1e-30,
          );
        }
      }),
      {numRuns: 50},
    );
  });

  it('matches the emulation on a chunked product (rows above one block) and keeps zero rows exact', () => {
    const [m, k, n] = [300, 64, 64];
    const a = gaussian(m * k, 5).map((v, i) => (Math.floor(i / k) === 7 ? 0 : Math.fround(v)));
    const b = gaussian(k * n, 6).map(Math.fround);
    const emulated = emulate(a, b, m, k, n, {fracBits: 8});
    const got = tf.tidy(() => lnsMatMul(tf.tensor2d(a, [m, k]), tf.tensor2d(b, [k, n]), {fracBits: 8}).dataSync());
    expect(relativeFrobenius(got, emulated.values)).to.be.below(1e-5);
    for (let j = 0; j < n; j++) expect(got[7 * n + j]).to.equal(0);
  });

  it('rejects bad input naming the argument, and leaks nothing', () => {
    const a = tf.ones([2, 3]) as tf.Tensor2D;
    const b = tf.ones([3, 2]) as tf.Tensor2D;
    const bad = tf.ones([2, 2]) as tf.Tensor2D;
    const before = tf.memory().numTensors;
    for (const fn of [lnsMatMul, lnsMatMulEmulated] as const) {
      expect(() => fn(a, b, undefined as never)).to.throw(
        /options\.fracBits: expected an integer in \[0, 16\], but got undefined/,
      );
      expect(() => fn(a, b, {fracBits: 17})).to.throw(
        /options\.fracBits: expected an integer in \[0, 16\], but got 17/,
      );
      expect(() => fn(a, b, {fracBits: 4, hybridBits: 5})).to.throw(
        /options\.hybridBits: expected an integer in \[0, 4\], but got 5/,
      );
      expect(() => fn(a, b, {fracBits: 4, integerBits: 0})).to.throw(
        /options\.integerBits: expected an integer in \[1, 12\], but got 0/,
      );
      expect(() => fn(a, bad, {fracBits: 4})).to.throw(
        /b: expected its row count to equal the column count of a \(3\)/,
      );
      expect(() => fn('a' as never, b, {fracBits: 4})).to.throw(/a: expected a rank-2 tf\.Tensor, but got "a"/);
    }
    expect(() => lnsQuantize([1, Infinity], {fracBits: 2})).to.throw(
      /values: expected finite numbers, but got Infinity at index 1/,
    );
    expect(tf.memory().numTensors).to.equal(before);
    tf.dispose([a, b, bad]);
  });
});
