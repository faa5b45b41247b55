import type {ShaderLanguage} from './types.js';

/**
 * A float constant as a literal of the target language. GLSL and WGSL have no infinity literal:
 * GLSL uses the `INFINITY` constant that tfjs's WebGL shader prelude defines (a uniform on
 * WebGL 1, a bit pattern on WebGL 2); WGSL reinterprets the IEEE bit pattern.
 */
export function floatLiteral(value: number, lang: ShaderLanguage): string {
  if (value === Infinity) return lang === 'glsl' ? 'INFINITY' : 'bitcast<f32>(0x7f800000u)';
  if (value === -Infinity) return lang === 'glsl' ? '(-INFINITY)' : 'bitcast<f32>(0xff800000u)';
  if (Number.isNaN(value)) throw new Error('floatLiteral: NaN has no literal');
  // Shortest round-trip decimal; both languages need a '.' or exponent to make it a float.
  let text = String(Math.fround(value) === value ? value : Math.fround(value));
  if (!/[.eE]/.test(text)) text += '.0';
  if (lang === 'wgsl') text += 'f';
  return value < 0 ? `(${text})` : text;
}
