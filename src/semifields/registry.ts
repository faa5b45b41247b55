import {describeValue} from '../ops/describe.js';
import {linear} from './linear.js';
import {logSemifield} from './log.js';
import {maxplus} from './maxplus.js';
import {minplus} from './minplus.js';
import {rootSemifield} from './root.js';
import type {Semifield, SemifieldConfig, SemifieldConfigObject} from './types.js';

/** One registry entry: how to build the semifield from its config's parameters. */
interface SemifieldEntry {
  name: SemifieldConfigObject['name'];
  /** Parameter names with their defaults (the bare-name form uses these). */
  params: Record<string, number>;
  summary: string;
  create(params: Record<string, number>): Semifield;
}

const entries: SemifieldEntry[] = [
  {name: 'maxplus', params: {}, summary: 'max(a, b), a + b: dilation', create: () => maxplus},
  {name: 'minplus', params: {}, summary: 'min(a, b), a + b: erosion', create: () => minplus},
  {name: 'log', params: {mu: 1}, summary: 'μ·log(e^{a/μ} + e^{b/μ}), a + b: smooth max (μ>0) / min (μ<0)', create: ({mu}) => logSemifield(mu)},
  {name: 'root', params: {p: 2}, summary: '(a^p + b^p)^{1/p}, a · b on [0, ∞]', create: ({p}) => rootSemifield(p)},
  {name: 'linear', params: {}, summary: 'a + b, a · b: ordinary convolution', create: () => linear},
];

const byName = new Map(entries.map((e) => [e.name as string, e]));
const cache = new Map<string, Semifield>();

const describe = describeValue;

const expected = `one of ${entries.map((e) => `'${e.name}'`).join(', ')} or an object {name, ...params}`;

/**
 * Resolve a semifield config (`'maxplus'`, `{name: 'log', mu: 0.5}`, …) or an already resolved
 * semifield. Throws an Error naming `argName` on anything else.
 *
 * @example
 * const sf = getSemifield({name: 'log', mu: 0.1});
 * sf.plus(1, 2); // ≈ 2.0000045
 */
export function getSemifield(config: SemifieldConfig | Semifield, argName = 'semifield'): Semifield {
  if (config != null && typeof config === 'object' && 'kind' in config && 'key' in config) return config as Semifield;
  let name: unknown;
  let given: Record<string, unknown> = {};
  if (typeof config === 'string') {
    name = config;
  } else if (config != null && typeof config === 'object' && !Array.isArray(config)) {
    ({name, ...given} = config as Record<string, unknown>);
  } else {
    throw new Error(`${argName}: expected ${expected}, but got ${describe(config)}`);
  }
  const entry = typeof name === 'string' ? byName.get(name) : undefined;
  if (entry == null) throw new Error(`${argName}: expected ${expected}, but got ${describe(config)}`);
  const params: Record<string, number> = {...entry.params};
  for (const [key, value] of Object.entries(given)) {
    if (!(key in entry.params)) {
      const allowed = Object.keys(entry.params);
      throw new Error(
        `${argName}: semifield '${entry.name}' takes ${allowed.length ? `only the parameter(s) ${allowed.join(', ')}` : 'no parameters'}, but got '${key}' in ${describe(config)}`,
      );
    }
    if (value === undefined) continue;
    if (typeof value !== 'number' || !Number.isFinite(value) || value === 0) {
      throw new Error(`${argName}.${key}: expected a finite non-zero number, but got ${describe(value)}`);
    }
    params[key] = value;
  }
  const key = JSON.stringify({name: entry.name, ...params});
  let semifield = cache.get(key);
  if (semifield == null) {
    semifield = entry.create(params);
    cache.set(key, semifield);
  }
  return semifield;
}

/** The JSON config of a semifield (what `getSemifield` accepts back; what layers serialise). */
export function semifieldToConfig(semifield: SemifieldConfig | Semifield): SemifieldConfigObject {
  return {...getSemifield(semifield).config} as SemifieldConfigObject;
}

/** Resolve a semifield from the canonical key that kernels receive as an attribute. */
export function semifieldFromKey(key: string): Semifield {
  return getSemifield(JSON.parse(key) as SemifieldConfig);
}

/**
 * The built-in semifields with their parameters and defaults.
 *
 * @example
 * listSemifields().map((s) => s.name); // ['maxplus', 'minplus', 'log', 'root', 'linear']
 */
export function listSemifields(): Array<{name: string; params: Record<string, number>; summary: string}> {
  return entries.map((e) => ({name: e.name, params: {...e.params}, summary: e.summary}));
}
