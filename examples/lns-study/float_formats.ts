// Emulated IEEE-style floating-point formats (float16, bfloat16) for the precision comparison:
// round-to-nearest-even onto the format's grid, with subnormals and overflow to ±Infinity.

interface FloatFormat {
  name: string;
  /** Significand bits including the implicit leading one. */
  precision: number;
  minExponent: number;
  maxFinite: number;
}

export const FLOAT16: FloatFormat = {name: 'float16', precision: 11, minExponent: -14, maxFinite: 65504};
export const BFLOAT16: FloatFormat = {
  name: 'bfloat16',
  precision: 8,
  minExponent: -126,
  maxFinite: 3.3895313892515355e38,
};

function roundHalfEven(v: number): number {
  const floor = Math.floor(v);
  const diff = v - floor;
  if (diff > 0.5) return floor + 1;
  if (diff < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}

/** Nearest value of the format (ties to even). */
export function roundToFormat(x: number, format: FloatFormat): number {
  if (x === 0 || !Number.isFinite(x)) return x;
  const magnitude = Math.abs(x);
  let exponent = Math.floor(Math.log2(magnitude));
  // Math.log2 can land on the wrong side of a power of two by one ulp; fix the binade exactly.
  if (2 ** exponent > magnitude) exponent--;
  if (2 ** (exponent + 1) <= magnitude) exponent++;
  exponent = Math.max(exponent, format.minExponent); // subnormals share the lowest binade's spacing
  const ulp = 2 ** (exponent - (format.precision - 1));
  const rounded = roundHalfEven(magnitude / ulp) * ulp;
  // Halfway above maxFinite rounds to infinity, as IEEE 754 does.
  const overflow = rounded > format.maxFinite;
  return Math.sign(x) * (overflow ? Infinity : rounded);
}

/**
 * Matrix product with inputs and output rounded to the format and the products and sums kept in
 * float32 — the "mixed precision" of tensor cores — or, with accumulateInFormat, every partial sum
 * rounded to the format too (a pure low-precision dot product).
 */
export function matMulInFormat(
  a: Float32Array,
  b: Float32Array,
  m: number,
  k: number,
  n: number,
  format: FloatFormat,
  accumulateInFormat: boolean,
): Float64Array {
  const ra = a.map((v) => roundToFormat(v, format));
  const rb = b.map((v) => roundToFormat(v, format));
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let l = 0; l < k; l++) {
        const t = Math.fround(ra[i * k + l] * rb[l * n + j]);
        s = accumulateInFormat ? roundToFormat(s + roundToFormat(t, format), format) : Math.fround(s + t);
      }
      out[i * n + j] = roundToFormat(s, format);
    }
  }
  return out;
}
