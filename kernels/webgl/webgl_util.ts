import {env} from '@tensorflow/tfjs-core';
// Type-only: Node must be able to import the package without the WebGL backend installed.
import type {GPGPUProgram, MathBackendWebGL} from '@tensorflow/tfjs-backend-webgl';
import type {SemifieldConvInfo} from '../../src/ops/conv_info.js';
import {kernelSetup as semifieldKernelSetup} from '../../src/ops/kernel_setup.js';
import type {Semifield, ShaderSnippets} from '../../src/semifields/types.js';

export type {GPGPUProgram, MathBackendWebGL};

export interface WebGLKernelSetup {
  sf: Semifield;
  info: SemifieldConvInfo;
  glsl: ShaderSnippets;
}

export function kernelSetup(attrs: unknown, xShape: number[], filterShape: number[]): WebGLKernelSetup {
  const {sf, info} = semifieldKernelSetup(attrs, xShape, filterShape);
  return {sf, info, glsl: sf.shader('glsl')};
}

/**
 * Lines every program of this directory starts its userCode with.
 *
 * tfjs's WebGL 1 prelude declares `uniform float INFINITY` (set to +∞ at run time) but its WebGL 2
 * prelude declares nothing, while the semifield templates spell ±∞ as `INFINITY`: define it from
 * its bit pattern on WebGL 2. (A literal such as 1e39 would be folded differently by drivers.)
 */
export function programPrelude(): string {
  return env().getNumber('WEBGL_VERSION') === 2 ? '#define INFINITY uintBitsToFloat(0x7f800000u)\n' : '';
}

/**
 * Geometry of a convolution as GLSL integer constants (baked in: the shader is compiled once per
 * shape, like tfjs's own conv programs, and WebGL 1 needs constant loop bounds anyway).
 */
export function geometryConstants(info: SemifieldConvInfo): string {
  const c = (name: string, v: number) => `const int ${name} = ${v};`;
  return [
    c('BATCH', info.batch),
    c('IN_H', info.inHeight),
    c('IN_W', info.inWidth),
    c('IN_C', info.inChannels),
    c('OUT_H', info.outHeight),
    c('OUT_W', info.outWidth),
    c('OUT_C', info.outChannels),
    c('KH', info.filterHeight),
    c('KW', info.filterWidth),
    c('CPG', info.inChannelsPerGroup),
    c('OPG', info.outChannelsPerGroup),
    c('SH', info.strideHeight),
    c('SW', info.strideWidth),
    c('DH', info.dilationHeight),
    c('DW', info.dilationWidth),
    c('PT', info.padTop),
    c('PL', info.padLeft),
  ].join('\n');
}

/**
 * Use the packed (2×2 outputs per fragment) programs? Follows tfjs's own WEBGL_PACK switch, so
 * setting it false selects the scalar programs (also what the tests use to cover both).
 */
export function packedPrograms(): boolean {
  return env().getBool('WEBGL_PACK');
}

/** A float-valued index read back from a texture, as an int (texture reads are floats). */
export const roundToInt = (expr: string) => `int(floor(${expr} + 0.5))`;

/** Largest integer a half float holds exactly (11 significand bits); every smaller one is exact too. */
export const F16_EXACT_INT = 2048;
/** Largest finite half float: provenance indices beyond it cannot even be approximated. */
export const F16_MAX = 65504;

/**
 * Can the render target hold every provenance index of this convolution exactly? Float32 targets
 * hold integers up to 2^24; half-float targets (`WEBGL_RENDER_FLOAT32_ENABLED` false, e.g. forced by
 * `WEBGL_FORCE_F16_TEXTURES` or on devices without float32 rendering) only up to 2048.
 */
export function provenanceStoredExactly(info: SemifieldConvInfo): boolean {
  const maxIndex = info.filterHeight * info.filterWidth * info.inChannelsPerGroup - 1;
  // Float32: exact below 2^24 — a window of 16 million terms is far beyond any filter.
  if (env().getBool('WEBGL_RENDER_FLOAT32_ENABLED')) return true;
  if (maxIndex > F16_MAX) {
    throw new Error(
      `semifieldConv2d (webgl): a selection semifield with filterHeight·filterWidth·inChannels/groups = ${maxIndex + 1} terms per window ` +
        `needs provenance indices up to ${maxIndex}, beyond the largest half float (${F16_MAX}); this backend renders to half-float textures ` +
        `(WEBGL_RENDER_FLOAT32_ENABLED is false). Use more groups or a smaller filter, or a backend with float32 textures.`,
    );
  }
  return maxIndex <= F16_EXACT_INT;
}

/**
 * Direct texel reads of a packed input by flat texel index (WebGL 2 only; null on WebGL 1, where the
 * caller keeps tfjs's samplers). tfjs's packed sampler turns logical coordinates into a texel index
 * and then into (row, column) with an integer division by the texture width on every read; on
 * SwiftShader that division (scalarised per SIMD lane) costs more than the read itself. Here the
 * caller computes flat texel indices incrementally and the row comes from one float multiply by the
 * reciprocal width (exact: indices stay far below 2^22), then `texelFetch`.
 *
 * The packed layout is tfjs's (getPackedSamplerND): for a logical [..., R, C] tensor, texel
 * ((batch·⌈R/2⌉ + r/2)·⌈C/2⌉ + c/2) holds the 2×2 block at (r, c), laid out row-major across the
 * physical texture, whose width `textureSize` gives (tfjs allocates packed textures at exactly
 * ⌈texShape/2⌉, and a free reshape keeps that layout). Indices are clamped into the texture, so a
 * read for a tap outside the image (whose value the caller ignores) stays inside it.
 *
 * Returns [global declarations and the getter `vec4 <name>Texel(int i)`, the line that initialises
 * them at the top of main()].
 */
export function flatTexelGetter(name: string, logicalShape: number[]): [string, string] | null {
  if (env().getNumber('WEBGL_VERSION') !== 2) return null;
  const rank = logicalShape.length;
  const texels =
    logicalShape.slice(0, rank - 2).reduce((a, b) => a * b, 1) *
    Math.ceil(logicalShape[rank - 2] / 2) *
    Math.ceil(logicalShape[rank - 1] / 2);
  if (texels >= 1 << 22) return null;
  return [
    `int ${name}TexW; float ${name}TexInvW;
    vec4 ${name}Texel(int i) {
      i = clamp(i, 0, ${texels - 1});
      int r = int((float(i) + 0.5) * ${name}TexInvW);
      return texelFetch(${name}, ivec2(i - r * ${name}TexW, r), 0);
    }`,
    `${name}TexW = textureSize(${name}, 0).x; ${name}TexInvW = 1.0 / float(${name}TexW);`,
  ];
}

/** Texel counts of the packed x and filter rows (for flat texel indices, see flatTexelGetter). */
export function packedTexelConstants(info: SemifieldConvInfo): string {
  const c = (name: string, v: number) => `const int ${name} = ${v};`;
  return [
    c('XTW', Math.ceil(info.inWidth / 2)),
    c('XTC', Math.ceil(info.inChannels / 2)),
    c('WTC', Math.ceil(info.inChannelsPerGroup / 2)),
    c('WTO', Math.ceil(info.outChannels / 2)),
  ].join('\n');
}
