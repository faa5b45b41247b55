import {env} from '@tensorflow/tfjs-core';
import {describeValue} from '../../src/ops/describe.js';

/*
 * The WebGPU kernels' settings, as registered tf.env() flags (tfjs's own way: `tf.env().set(name,
 * value)`, or `?tfjsflags=NAME:value` in a browser URL). Every flag defaults to 'auto': the
 * run-time tuner (tuner.ts) on hardware GPUs, the fixed defaults measured on an H200 when tuning is
 * off, SwiftShader's own measured defaults on SwiftShader. A flag set to a value fixes that part of
 * the choice; the tuner then only compares candidates that agree with it.
 *
 * Values are checked where they are read (tf.env() stores a value before any hook sees it), so a
 * bad value fails the next kernel call with an Error naming the flag, the expectation and the value.
 */

/** Tune on hardware adapters ('auto'), always (true) or never (false). */
export const TUNE_FLAG = 'SEMIFIELD_WEBGPU_TUNE';
/** Forward program: 'auto' | 'mm' | 'direct' | 'factorised'. */
export const FORWARD_PROGRAM_FLAG = 'SEMIFIELD_WEBGPU_FORWARD_PROGRAM';
/** Implicit-GEMM tile, 'auto' or mmTileKey form `TMxTN_RMxRN_kTK` (e.g. '128x64_8x4_k16'). */
export const MM_TILE_FLAG = 'SEMIFIELD_WEBGPU_MM_TILE';
/** Output pixels per invocation of the direct and factorised forward programs. */
export const FORWARD_PIXELS_FLAG = 'SEMIFIELD_WEBGPU_FORWARD_PIXELS';
/** Output channels per invocation of the factorised forward program. */
export const FORWARD_CHANNELS_FLAG = 'SEMIFIELD_WEBGPU_FORWARD_CHANNELS';
/** Input pixels per invocation of the dL/dx programs. */
export const BACKPROP_INPUT_PIXELS_FLAG = 'SEMIFIELD_WEBGPU_BACKPROP_INPUT_PIXELS';
/** Factorised backward programs: 'auto' | 'always' | 'never'. */
export const FACTORISED_BACKWARD_FLAG = 'SEMIFIELD_WEBGPU_FACTORISED_BACKWARD';
/** Target invocations (entry blocks × slices) of the dL/dfilter partial-sum pass. */
export const FILTER_INVOCATIONS_FLAG = 'SEMIFIELD_WEBGPU_FILTER_INVOCATIONS';
/** dL/dfilter channel blocks: per-term `N`, factorised `IxO` (input × output channels). */
export const FILTER_BLOCK_FLAG = 'SEMIFIELD_WEBGPU_FILTER_BLOCK';
export const FACTORISED_FILTER_BLOCK_FLAG = 'SEMIFIELD_WEBGPU_FACTORISED_FILTER_BLOCK';
/** dL/dfilter slice sum: 'auto' | 'serial' | 'parallel'. */
export const SLICE_SUM_FLAG = 'SEMIFIELD_WEBGPU_SLICE_SUM';

export const WEBGPU_FLAGS = [
  TUNE_FLAG,
  FORWARD_PROGRAM_FLAG,
  MM_TILE_FLAG,
  FORWARD_PIXELS_FLAG,
  FORWARD_CHANNELS_FLAG,
  BACKPROP_INPUT_PIXELS_FLAG,
  FACTORISED_BACKWARD_FLAG,
  FILTER_INVOCATIONS_FLAG,
  FILTER_BLOCK_FLAG,
  FACTORISED_FILTER_BLOCK_FLAG,
  SLICE_SUM_FLAG,
] as const;

export type WebGPUFlagName = (typeof WEBGPU_FLAGS)[number];

const registry = (env() as unknown as {flagRegistry: Record<string, unknown>}).flagRegistry;
for (const name of WEBGPU_FLAGS) {
  // A second copy of this module (two bundles of the package on one page) must not re-register.
  if (registry[name] == null)
    env().registerFlag(
      name,
      () => 'auto',
      (value) => readFlag(name, value),
    );
}

function fail(name: string, expectation: string, value: unknown): never {
  throw new Error(`tf.env() flag ${name}: expected ${expectation}, but got ${describeValue(value)}.`);
}

/** Parse a flag value; throws naming the flag, what it takes and the value. */
function readFlag(name: WebGPUFlagName, value: unknown): unknown {
  const oneOf = (options: readonly unknown[]) => {
    if (!options.includes(value))
      fail(name, options.map((o) => (typeof o === 'string' ? `'${o}'` : String(o))).join(' | '), value);
    return value;
  };
  const positiveInt = (max: number) => {
    if (value === 'auto') return value;
    const n = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > max)
      fail(name, `'auto' or an integer in [1, ${max}]`, value);
    return n;
  };
  switch (name) {
    case TUNE_FLAG:
      return oneOf(['auto', true, false]);
    case FORWARD_PROGRAM_FLAG:
      return oneOf(['auto', 'mm', 'direct', 'factorised']);
    case FACTORISED_BACKWARD_FLAG:
      return oneOf(['auto', 'always', 'never']);
    case SLICE_SUM_FLAG:
      return oneOf(['auto', 'serial', 'parallel']);
    case MM_TILE_FLAG:
      if (value === 'auto') return value;
      if (typeof value !== 'string' || !/^\d+x\d+_\d+x\d+_k\d+$/.test(value))
        fail(name, `'auto' or a tile 'TMxTN_RMxRN_kTK' such as '128x64_8x4_k16'`, value);
      return value;
    case FACTORISED_FILTER_BLOCK_FLAG:
      if (value === 'auto') return value;
      if (typeof value !== 'string' || !/^(1|2|4|8|16|32)x(1|2|4|8|16|32)$/.test(value))
        fail(name, `'auto' or 'IxO' with powers of two up to 32 such as '8x16'`, value);
      return value;
    case FORWARD_PIXELS_FLAG:
    case FORWARD_CHANNELS_FLAG:
    case BACKPROP_INPUT_PIXELS_FLAG:
    case FILTER_BLOCK_FLAG:
      return positiveInt(32);
    case FILTER_INVOCATIONS_FLAG:
      return positiveInt(1 << 24);
  }
}

/** The flag's current value, checked ('auto' or the parsed setting). */
export function webgpuFlag(name: typeof TUNE_FLAG): 'auto' | boolean;
export function webgpuFlag(name: typeof FORWARD_PROGRAM_FLAG): 'auto' | 'mm' | 'direct' | 'factorised';
export function webgpuFlag(name: typeof FACTORISED_BACKWARD_FLAG): 'auto' | 'always' | 'never';
export function webgpuFlag(name: typeof SLICE_SUM_FLAG): 'auto' | 'serial' | 'parallel';
export function webgpuFlag(name: typeof MM_TILE_FLAG | typeof FACTORISED_FILTER_BLOCK_FLAG): string;
export function webgpuFlag(name: WebGPUFlagName): 'auto' | number;
export function webgpuFlag(name: WebGPUFlagName): unknown {
  return readFlag(name, env().get(name));
}

/** The program-choice flags' current values in one string (part of the tuner's cache key). */
export function webgpuFlagSignature(): string {
  return WEBGPU_FLAGS.filter((n) => n !== TUNE_FLAG)
    .map((n) => String(env().get(n)))
    .join(',');
}

/** Values for several flags at once. */
export type WebGPUFlags = Partial<Record<WebGPUFlagName, string | number | boolean>>;

/** Set several flags (tests and benchmarks; `tf.env().set` one at a time does the same). */
export function setWebGPUFlags(flags: WebGPUFlags): void {
  for (const [name, value] of Object.entries(flags)) env().set(name, value as string | number | boolean);
}

/** Set several flags for the duration of `f` (sync or async), then restore them (tests, benches). */
export async function withWebGPUFlags<T>(flags: WebGPUFlags, f: () => T | Promise<T>): Promise<T> {
  const saved = Object.keys(flags).map((name) => [name, env().get(name)] as const);
  try {
    setWebGPUFlags(flags);
    return await f();
  } finally {
    for (const [name, value] of saved) env().set(name, value);
  }
}

/** Put every program-choice flag back to 'auto'; the tuner's own flag (TUNE_FLAG) stays as set. */
export function resetWebGPUFlags(): void {
  for (const name of WEBGPU_FLAGS) if (name !== TUNE_FLAG) env().set(name, 'auto');
}
