import {expect} from 'chai';
import fc from 'fast-check';
import {
  WINOGRAD_F2x2_3x3,
  WINOGRAD_F4x4_3x3,
  bfloat16,
  emulatedDirect,
  emulatedFft,
  emulatedIm2col,
  emulatedWinograd,
  float16,
  float32,
  float64,
  intFormat,
  roundToBinaryFloat,
  wrapInt,
  type EmulatedConvProblem,
} from '../../src/primitives/index.js';
import {randomArray, referenceConv2d, seededUniform} from './conv-reference.js';

function problem(
  x: ArrayLike<number>,
  h: number,
  w: number,
  cin: number,
  filter: ArrayLike<number>,
  k: number,
  cout: number,
  pad = 0,
): EmulatedConvProblem {
  return {
    x,
    height: h,
    width: w,
    inChannels: cin,
    filter,
    filterHeight: k,
    filterWidth: k,
    outChannels: cout,
    pad: [pad, pad, pad, pad],
  };
}

describe('emulated number formats', () => {
  it('float16 and bfloat16 rounding match IEEE values (known constants)', () => {
    const f16 = (v: number) => roundToBinaryFloat(v, 10, -14, 15);
    const bf16 = (v: number) => roundToBinaryFloat(v, 7, -126, 127);
    expect(f16(1 / 3)).to.equal(0.333251953125); // 0x3555
    expect(f16(65504)).to.equal(65504); // largest finite half
    expect(f16(65519)).to.equal(65504); // rounds down below the halfway point 65520
    expect(f16(65520)).to.equal(Infinity); // halfway to 2^16 rounds to even → overflow
    expect(f16(2 ** -24)).to.equal(2 ** -24); // smallest subnormal
    expect(f16(2 ** -26)).to.equal(0); // below half of it
    expect(f16(1 + 2 ** -11)).to.equal(1); // tie → even
    expect(f16(1 + 3 * 2 ** -11)).to.equal(1 + 2 ** -9); // tie → even (upwards)
    expect(bf16(1 / 3)).to.equal(0.333984375); // 0x3EAB
    expect(Number.isFinite(bf16(3e38))).to.equal(true); // float32's exponent range
    expect(f16(3e38)).to.equal(Infinity);
    // float32 through the same routine equals Math.fround.
    fc.assert(
      fc.property(
        fc.double({min: -1e30, max: 1e30, noNaN: true}),
        (v) => roundToBinaryFloat(v, 23, -126, 127) === Math.fround(v),
      ),
      {numRuns: 2000},
    );
  });

  it("integer formats wrap like two's complement and saturate on input", () => {
    expect(wrapInt(128, 8)).to.equal(-128);
    expect(wrapInt(-129, 8)).to.equal(127);
    expect(wrapInt(40000, 16)).to.equal(40000 - 65536);
    const i8 = intFormat(8);
    expect(i8.mul(16, 8)).to.equal(-128);
    expect(i8.add(100, 100)).to.equal(-56);
    expect(i8.fromReal(300)).to.equal(127);
    expect(i8.stats.overflows).to.equal(3);
    const i32 = intFormat(32);
    // Math.imul-exact products past 2^53.
    expect(i32.mul(2 ** 30, 2 ** 30)).to.equal(0);
    expect(i32.mul(123456789, 987654321)).to.equal(Math.imul(123456789, 987654321));
  });
});

describe('emulated algorithms in float64 equal the float64 reference', () => {
  it('direct, im2col, Winograd F(2,3)/F(4,3) and FFT on random problems', () => {
    fc.assert(
      fc.property(
        fc.integer({min: 3, max: 11}),
        fc.integer({min: 3, max: 11}),
        fc.integer({min: 1, max: 3}),
        fc.integer({min: 1, max: 2}),
        fc.nat(1),
        fc.integer(),
        (h, w, cin, cout, pad, seed) => {
          const rand = seededUniform(seed);
          const x = randomArray(h * w * cin, rand);
          const filt = randomArray(9 * cin * cout, rand);
          const p = problem(x, h, w, cin, filt, 3, cout, pad);
          const ref = referenceConv2d(x, [1, h, w, cin], filt, [3, 3, cin, cout], {
            strides: [1, 1],
            dilations: [1, 1],
            pad: [pad, pad, pad, pad],
          });
          for (const y of [
            emulatedDirect(p, float64()),
            emulatedIm2col(p, float64()),
            emulatedWinograd(p, float64(), WINOGRAD_F2x2_3x3),
            emulatedWinograd(p, float64(), WINOGRAD_F4x4_3x3),
            emulatedFft(p, float64()),
          ]) {
            expect(y.length).to.equal(ref.y.length);
            for (let i = 0; i < y.length; i++) expect(Math.abs(y[i] - ref.y[i])).to.be.below(1e-12);
          }
        },
      ),
      {numRuns: 40, seed: 66},
    );
  });

  it('lower-precision floats are less accurate, in significand order: float32 < float16 < bfloat16', () => {
    const rand = seededUniform(5);
    const x = randomArray(12 * 12 * 4, rand);
    const filt = randomArray(9 * 4 * 2, rand);
    const p = problem(x, 12, 12, 4, filt, 3, 2, 1);
    const ref = emulatedDirect(p, float64());
    const rel = (y: Float64Array) =>
      Math.sqrt(y.reduce((s, v, i) => s + (v - ref[i]) ** 2, 0) / ref.reduce((s, v) => s + v * v, 0));
    const e32 = rel(emulatedDirect(p, float32()));
    const e16 = rel(emulatedDirect(p, float16()));
    const eb16 = rel(emulatedDirect(p, bfloat16()));
    expect(e32).to.be.below(1e-6);
    expect(e16).to.be.within(1e-4, 1e-2); // 11-bit significand
    expect(eb16).to.be.within(1e-3, 5e-2); // 8-bit significand
    expect(eb16).to.be.above(e16);
  });
});

describe('integer Winograd done right: scaled transform', () => {
  const direct = (p: EmulatedConvProblem) => emulatedDirect(p, float64());

  it('F(2,3) with 2G is exact in int16 and int32 whenever 4·y fits (random integer inputs)', () => {
    for (const bits of [16, 32] as const) {
      let exactCases = 0;
      fc.assert(
        fc.property(fc.integer({min: 4, max: 9}), fc.integer({min: 1, max: 3}), fc.integer(), (size, cin, seed) => {
          const rand = seededUniform(seed);
          const range = bits === 16 ? 12 : 1000;
          const x = Array.from({length: size * size * cin}, () => Math.round(rand() * range));
          const filt = Array.from({length: 9 * cin}, () => Math.round(rand() * range));
          const p = problem(x, size, size, cin, filt, 3, 1, 1);
          const want = direct(p);
          const fits = want.every((v) => Math.abs(4 * v) <= 2 ** (bits - 1) - 1);
          const f = intFormat(bits);
          const got = emulatedWinograd(p, f, WINOGRAD_F2x2_3x3, 'scaled');
          if (fits) {
            exactCases++;
            expect(Array.from(got)).to.deep.equal(Array.from(want));
          }
        }),
        {numRuns: 60, seed: bits},
      );
      expect(exactCases, `int${bits}: cases where 4·y fits`).to.be.above(40);
    }
  });

  it('int32 F(2,3) and F(4,3) (24G, output ÷ 576) are exact on int8-range data; the truncated G (½ → 0) is not', () => {
    const rand = seededUniform(9);
    const x = Array.from({length: 10 * 10 * 4}, () => Math.round(rand() * 127));
    const filt = Array.from({length: 9 * 4 * 2}, () => Math.round(rand() * 127));
    const p = problem(x, 10, 10, 4, filt, 3, 2, 1);
    const want = Array.from(direct(p));
    const f = intFormat(32);
    expect(Array.from(emulatedWinograd(p, f, WINOGRAD_F2x2_3x3, 'scaled'))).to.deep.equal(want);
    expect(Array.from(emulatedWinograd(p, f, WINOGRAD_F4x4_3x3, 'scaled'))).to.deep.equal(want);
    expect(f.stats.overflows).to.equal(0);
    // Casting G to integers computes a different function entirely.
    const truncated = Array.from(emulatedWinograd(p, intFormat(32), WINOGRAD_F2x2_3x3, 'truncated'));
    const wrong = truncated.filter((v, i) => v !== want[i]).length;
    expect(wrong / want.length).to.be.above(0.9);
  });

  it('where int8 overflows: direct is exact up to |y| = 127, scaled F(2,3) only up to |y| = 31 (4·y must fit)', () => {
    const ones = new Array(16).fill(1); // 4×4 image of ones: every output is Σ w
    const filterSumming = (total: number) => {
      const w = new Array(9).fill(0);
      let left = total;
      for (let i = 0; i < 9 && left > 0; i++) {
        w[i] = Math.min(left, 16);
        left -= w[i];
      }
      return w;
    };
    for (const y of [31, -32]) {
      const p = problem(ones, 4, 4, 1, y > 0 ? filterSumming(y) : filterSumming(-y).map((v) => -v), 3, 1);
      expect(Array.from(emulatedDirect(p, intFormat(8)))).to.deep.equal([y, y, y, y]);
      expect(Array.from(emulatedWinograd(p, intFormat(8), WINOGRAD_F2x2_3x3))).to.deep.equal([y, y, y, y]); // 4·y = 124, −128 fit
    }
    for (const y of [32, 100, 127]) {
      const p = problem(ones, 4, 4, 1, filterSumming(y), 3, 1);
      expect(Array.from(emulatedDirect(p, intFormat(8)))).to.deep.equal([y, y, y, y]);
      const f = intFormat(8);
      const got = Array.from(emulatedWinograd(p, f, WINOGRAD_F2x2_3x3));
      expect(got, `y = ${y}: 4·y = ${4 * y} wraps in int8`).to.not.deep.equal([y, y, y, y]);
      expect(f.stats.overflows).to.be.above(0);
    }
    // F(4,3) needs 576·y to fit: in int16 that is |y| ≤ 56.
    const p56 = problem(new Array(36).fill(1), 6, 6, 1, filterSumming(56), 3, 1);
    expect(Array.from(emulatedWinograd(p56, intFormat(16), WINOGRAD_F4x4_3x3)).every((v) => v === 56)).to.equal(true);
    const p57 = problem(new Array(36).fill(1), 6, 6, 1, filterSumming(57), 3, 1);
    expect(Array.from(emulatedWinograd(p57, intFormat(16), WINOGRAD_F4x4_3x3)).every((v) => v === 57)).to.equal(false);
  });

  it('emulatedFft refuses integer formats with an Error naming the argument', () => {
    const p = problem([1, 2, 3, 4], 2, 2, 1, [1], 1, 1);
    expect(() => emulatedFft(p, intFormat(16))).to.throw(/^format: emulatedFft needs a float format, but got 'int16'/);
    expect(() =>
      emulatedWinograd(problem([1, 2, 3, 4], 2, 2, 1, [1, 1, 1, 1], 2, 1), float32(), WINOGRAD_F2x2_3x3),
    ).to.throw(/^problem.filter: .*needs a 3×3 filter, but got 2×2/);
  });
});
