import type {ShaderLanguage} from './types.js';

/**
 * A float constant as a literal of the target language. GLSL and WGSL have no infinity literal:
 * GLSL uses the `INFINITY` constant that tfjs's WebGL shader prelude defines (a uniform on
 * WebGL 1, a bit pattern on WebGL 2); WGSL uses the `uniforms.INFINITY` field every tfjs WebGPU
 * program receives. (A WGSL const-expression may not evaluate to ±∞, so Tint rejects
 * `bitcast<f32>(0x7f800000u)` with "value inf cannot be represented as 'f32'"; the uniform is a
 * run-time value.)
 */
export function floatLiteral(value: number, lang: ShaderLanguage): string {
  if (value === Infinity) return lang === 'glsl' ? 'INFINITY' : 'uniforms.INFINITY';
  if (value === -Infinity) return lang === 'glsl' ? '(-INFINITY)' : '(-uniforms.INFINITY)';
  if (Number.isNaN(value)) throw new Error('floatLiteral: NaN has no literal');
  // Shortest round-trip decimal; both languages need a '.' or exponent to make it a float.
  let text = String(Math.fround(value) === value ? value : Math.fround(value));
  if (!/[.eE]/.test(text)) text += '.0';
  if (lang === 'wgsl') text += 'f';
  return value < 0 ? `(${text})` : text;
}
