/**
 * Scalar number formats for precision studies: every arithmetic result is rounded (floats) or
 * wrapped (integers) into the format, the way an array of that dtype would store it. Inputs enter
 * through `fromReal`. Each format counts what went wrong (overflows to ±∞, integer wrap-arounds)
 * and the largest exact magnitude it was asked to hold, so a study can say where a transform
 * leaves the representable range.
 */
export interface NumberFormat {
  readonly name: string;
  readonly encoding: 'float' | 'int';
  /** Storage bits. */
  readonly bits: number;
  /** Convert a real number into the format (floats: round to nearest even; ints: round then saturate). */
  fromReal(v: number): number;
  add(a: number, b: number): number;
  sub(a: number, b: number): number;
  mul(a: number, b: number): number;
  /** Counters since creation (or the last `resetStats`). */
  readonly stats: {overflows: number; maxAbs: number};
  resetStats(): void;
}

function stats(): {overflows: number; maxAbs: number} {
  return {overflows: 0, maxAbs: 0};
}

/**
 * Round v to a binary float with `mantissaBits` fraction bits, exponent range [minExp, maxExp]
 * (minExp is the smallest normal exponent; below it the spacing stays 2^(minExp − mantissaBits),
 * i.e. gradual underflow), round-half-to-even, ±∞ past the largest finite value.
 *
 * @example
 * import {roundToBinaryFloat} from 'tfjs-semifield/primitives';
 * roundToBinaryFloat(1 / 3, 10, -14, 15); // 0.333251953125, the nearest float16
 */
export function roundToBinaryFloat(v: number, mantissaBits: number, minExp: number, maxExp: number): number {
  if (v === 0 || !Number.isFinite(v)) return v;
  const a = Math.abs(v);
  let e = Math.floor(Math.log2(a));
  // log2 can be off by one ulp near powers of two.
  if (2 ** e > a) e -= 1;
  else if (2 ** (e + 1) <= a) e += 1;
  const quantum = 2 ** (Math.max(e, minExp) - mantissaBits);
  const scaled = a / quantum; // exact: division by a power of two
  let r = Math.floor(scaled);
  const frac = scaled - r;
  if (frac > 0.5 || (frac === 0.5 && r % 2 === 1)) r += 1;
  const result = r * quantum;
  const largest = (2 - 2 ** -mantissaBits) * 2 ** maxExp;
  if (result > largest) return v > 0 ? Infinity : -Infinity;
  return v > 0 ? result : -result;
}

function floatFormat(name: string, bits: number, round: (v: number) => number): NumberFormat {
  const s = stats();
  const r = (v: number): number => {
    const out = round(v);
    const a = Math.abs(v);
    if (a > s.maxAbs) s.maxAbs = a;
    if (!Number.isFinite(out) && Number.isFinite(v)) s.overflows++;
    return out;
  };
  return {
    name,
    encoding: 'float',
    bits,
    fromReal: r,
    add: (a, b) => r(a + b),
    sub: (a, b) => r(a - b),
    mul: (a, b) => r(a * b),
    stats: s,
    resetStats() {
      s.overflows = 0;
      s.maxAbs = 0;
    },
  };
}

/** IEEE binary64: exact reference arithmetic of JS numbers. */
export const float64 = (): NumberFormat => floatFormat('float64', 64, (v) => v);
/** IEEE binary32 (Math.fround). */
export const float32 = (): NumberFormat => floatFormat('float32', 32, Math.fround);
/**
 * IEEE binary16: 10 fraction bits, exponents −14…15, max 65504. (`float64()`, `float32()` and
 * `bfloat16()` work the same way.)
 *
 * @example
 * import {float16} from 'tfjs-semifield/primitives';
 * const f = float16();
 * f.add(65504, 16); // Infinity; f.stats.overflows === 1
 */
export const float16 = (): NumberFormat => floatFormat('float16', 16, (v) => roundToBinaryFloat(v, 10, -14, 15));
/** bfloat16: float32's exponent range with 7 fraction bits. */
export const bfloat16 = (): NumberFormat => floatFormat('bfloat16', 16, (v) => roundToBinaryFloat(v, 7, -126, 127));

/**
 * Two's-complement wrap of an integer-valued double into `bits` bits.
 *
 * @example
 * import {wrapInt} from 'tfjs-semifield/primitives';
 * wrapInt(128, 8); // -128
 */
export function wrapInt(v: number, bits: number): number {
  const m = 2 ** bits;
  let r = v % m;
  if (r < 0) r += m;
  return r >= m / 2 ? r - m : r;
}

/**
 * Two's-complement integers of `bits` bits: sums, differences and products wrap around as in C
 * or a typed array (no saturation); `fromReal` rounds and saturates, like a quantiser.
 *
 * @example
 * import {intFormat} from 'tfjs-semifield/primitives';
 * const i8 = intFormat(8);
 * i8.mul(16, 8);        // -128 (wrapped)
 * i8.stats.overflows;   // 1
 */
export function intFormat(bits: 8 | 16 | 32): NumberFormat {
  const s = stats();
  const max = 2 ** (bits - 1) - 1;
  const min = -(2 ** (bits - 1));
  const wrap = (exact: number): number => {
    const a = Math.abs(exact);
    if (a > s.maxAbs) s.maxAbs = a;
    if (exact > max || exact < min) {
      s.overflows++;
      return wrapInt(exact, bits);
    }
    return exact;
  };
  return {
    name: `int${bits}`,
    encoding: 'int',
    bits,
    fromReal: (v) => {
      const r = Math.round(v);
      if (r > max || r < min) s.overflows++;
      return Math.min(max, Math.max(min, r));
    },
    add: (a, b) => wrap(a + b),
    sub: (a, b) => wrap(a - b),
    // Products of two int32 can pass 2^53, where doubles stop being exact; Math.imul is exact mod 2^32.
    mul: (a, b) => (bits === 32 && Math.abs(a * b) >= 2 ** 53 ? (s.overflows++, Math.imul(a, b)) : wrap(a * b)),
    stats: s,
    resetStats() {
      s.overflows = 0;
      s.maxAbs = 0;
    },
  };
}

/**
 * Every format of the study, fresh (with zeroed counters).
 *
 * @example
 * import {studyFormats} from 'tfjs-semifield/primitives';
 * studyFormats().map((f) => f.name); // ['float64', 'float32', 'float16', 'bfloat16', 'int32', 'int16', 'int8']
 */
export function studyFormats(): NumberFormat[] {
  return [float64(), float32(), float16(), bfloat16(), intFormat(32), intFormat(16), intFormat(8)];
}
