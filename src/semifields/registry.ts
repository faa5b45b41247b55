import {describeValue} from '../ops/describe.js';
import {linear} from './linear.js';
import {logSemifield} from './log.js';
import {maxplus} from './maxplus.js';
import {minplus} from './minplus.js';
import {rootSemifield} from './root.js';
import {checkSpec, semifieldFromSpec, type SemifieldSpec} from './custom.js';
import type {AnySemifieldConfig, Semifield, SemifieldConfig, SemifieldConfigObject} from './types.js';

/**
 * What {@link registerSemifield} takes: a name, parameter defaults, and either `create(params)`
 * returning a {@link SemifieldSpec} (tensor form) or a complete {@link Semifield} (the built-ins),
 * or, for a semifield without parameters, the spec's fields inline.
 */
export type SemifieldDefinition =
  | {
      name: string;
      /** Parameter names with their defaults (the bare-name form uses these). */
      params?: Record<string, number>;
      summary?: string;
      create(params: Record<string, number>): SemifieldSpec | Semifield;
    }
  | (SemifieldSpec & {name: string; summary?: string});

/** One registry entry: how to build the semifield from its config's parameters. */
interface SemifieldEntry {
  name: string;
  params: Record<string, number>;
  summary: string;
  builtin: boolean;
  create(params: Record<string, number>): Semifield;
}

const entries: SemifieldEntry[] = [];
const byName = new Map<string, SemifieldEntry>();
const cache = new Map<string, Semifield>();

const describe = describeValue;

const BUILTIN_NAMES = new Set(['maxplus', 'minplus', 'log', 'root', 'linear']);

function isSemifieldObject(v: unknown): v is Semifield {
  return (
    v != null &&
    typeof v === 'object' &&
    'gradientRule' in v &&
    'key' in v &&
    typeof (v as {shader?: unknown}).shader === 'function'
  );
}

/**
 * Register a semifield under a name, so that `getSemifield(name | {name, ...params})`, the op, the
 * kernels (which receive the semifield's JSON key) and layer configs resolve it. The five built-ins
 * are registered through this function. A user definition gives ⊕ in tensor form, 𝟘, ⊗ (+ or ·)
 * and the gradient rule (selection with a comparison, or invertible with f, f⁻¹, f′); it runs the
 * composite path on every backend, and fused kernels too when it supplies `fused` (the scalar and
 * GLSL / WGSL forms the built-ins have). Registering a user name again replaces it (models saved with
 * it load once it is registered again); built-in names cannot be replaced. The definition is checked
 * (types, then 𝟘 neutral, the comparison strict and consistent with ⊕, f⁻¹∘f = id and f′ matching f
 * on probe values, with the default parameters): errors name the field.
 *
 * @example
 * import * as tf from '@tensorflow/tfjs';
 * import {registerSemifield, semifieldConv2d} from 'tfjs-semifield';
 * registerSemifield({
 *   name: 'maxtimes', zero: 0, times: 'multiply',                  // max-times on positive reals
 *   plus: (a, b) => tf.maximum(a, b),
 *   gradient: {kind: 'selection', better: (t, acc) => tf.greater(t, acc)},
 * });
 * const y = semifieldConv2d(tf.randomUniform([1, 8, 8, 1]), tf.randomUniform([3, 3, 1, 1]), 'maxtimes');
 */
export function registerSemifield(definition: SemifieldDefinition): void {
  registerEntry(definition, false);
}

function registerEntry(definition: SemifieldDefinition, builtin: boolean): void {
  if (definition == null || typeof definition !== 'object' || Array.isArray(definition)) {
    throw new Error(`registerSemifield: definition: expected an object {name, ...}, but got ${describe(definition)}`);
  }
  const d = definition as Record<string, unknown>;
  const name = d.name;
  if (typeof name !== 'string' || !/^[A-Za-z_][A-Za-z0-9_.-]*$/.test(name)) {
    throw new Error(
      `registerSemifield: name: expected an identifier-like string (letters, digits, _ . -), but got ${describe(name)}`,
    );
  }
  if (!builtin && BUILTIN_NAMES.has(name)) {
    throw new Error(
      `registerSemifield: name: '${name}' is a built-in semifield and cannot be replaced; choose another name`,
    );
  }
  const params = (d.params ?? {}) as Record<string, unknown>;
  if (params == null || typeof params !== 'object' || Array.isArray(params)) {
    throw new Error(`registerSemifield: params: expected an object {param: default}, but got ${describe(params)}`);
  }
  for (const [k, v] of Object.entries(params)) {
    if (k === 'name') throw new Error(`registerSemifield: params: 'name' cannot be a parameter`);
    if (typeof v !== 'number' || !Number.isFinite(v))
      throw new Error(`registerSemifield: params.${k}: expected a finite number (the default), but got ${describe(v)}`);
  }
  if (d.summary !== undefined && typeof d.summary !== 'string')
    throw new Error(`registerSemifield: summary: expected a string, but got ${describe(d.summary)}`);
  let make: (p: Record<string, number>) => SemifieldSpec | Semifield;
  if ('create' in d) {
    if (typeof d.create !== 'function')
      throw new Error(`registerSemifield: create: expected a function (params) => spec, but got ${describe(d.create)}`);
    make = d.create as typeof make;
  } else {
    const {name: _n, summary: _s, params: _p, ...spec} = d;
    checkSpec(spec, `'${name}'`);
    make = () => spec as unknown as SemifieldSpec;
  }
  const entry: SemifieldEntry = {
    name,
    params: params as Record<string, number>,
    summary: (d.summary as string | undefined) ?? (builtin ? '' : `user semifield '${name}'`),
    builtin,
    create(p) {
      const where = `'${name}'`;
      const made = make(p);
      if (isSemifieldObject(made)) {
        const key = JSON.stringify({name, ...p});
        return made.key === key ? made : ({...made, name, config: {name, ...p}, key} as Semifield);
      }
      checkSpec(made, where);
      return semifieldFromSpec(name, p, made, where);
    },
  };
  // Replacing a user semifield drops the instances built from its previous definition.
  for (const key of [...cache.keys()]) if ((JSON.parse(key) as {name: string}).name === name) cache.delete(key);
  const previous = byName.get(name);
  if (previous != null) entries.splice(entries.indexOf(previous), 1, entry);
  else entries.push(entry);
  byName.set(name, entry);
  // Check a user definition right away with its default parameters (errors surface here).
  if (!builtin) getSemifield({name} as SemifieldConfig, 'registerSemifield');
}

/** Remove a user semifield (built-ins stay). Returns whether it was registered. */
export function unregisterSemifield(name: string): boolean {
  const entry = byName.get(name);
  if (entry == null) return false;
  if (entry.builtin) throw new Error(`unregisterSemifield: '${name}' is a built-in semifield`);
  entries.splice(entries.indexOf(entry), 1);
  byName.delete(name);
  for (const key of [...cache.keys()]) if ((JSON.parse(key) as {name: string}).name === name) cache.delete(key);
  return true;
}

registerEntry({name: 'maxplus', summary: 'max(a, b), a + b: dilation', create: () => maxplus}, true);
registerEntry({name: 'minplus', summary: 'min(a, b), a + b: erosion', create: () => minplus}, true);
registerEntry(
  {
    name: 'log',
    params: {mu: 1},
    summary: 'μ·log(e^{a/μ} + e^{b/μ}), a + b: smooth max (μ>0) / min (μ<0)',
    create: ({mu}) => logSemifield(mu),
  },
  true,
);
registerEntry(
  {name: 'root', params: {p: 2}, summary: '(a^p + b^p)^{1/p}, a · b on [0, ∞]', create: ({p}) => rootSemifield(p)},
  true,
);
registerEntry({name: 'linear', summary: 'a + b, a · b: ordinary convolution', create: () => linear}, true);

const expected = () => `one of ${entries.map((e) => `'${e.name}'`).join(', ')} or an object {name, ...params}`;

/**
 * Resolve a semifield config (`'maxplus'`, `{name: 'log', mu: 0.5}`, …) or an already resolved
 * semifield. Throws an Error naming `argName` on anything else.
 *
 * @example
 * const sf = getSemifield({name: 'log', mu: 0.1});
 * sf.plus(1, 2); // ≈ 2.0000045
 */
export function getSemifield(config: AnySemifieldConfig | Semifield, argName = 'semifield'): Semifield {
  if (config != null && typeof config === 'object' && 'gradientRule' in config && 'key' in config) {
    // A Semifield object: accepted when it is the registered one for its key (kernels receive only
    // the key and resolve it in the registry).
    const sf = config as Semifield;
    let registered: Semifield | undefined;
    try {
      registered = typeof sf.key === 'string' ? semifieldFromKey(sf.key) : undefined;
    } catch {
      registered = undefined;
    }
    if (registered === sf) return sf;
    throw new Error(
      `${argName}: a Semifield object must come from getSemifield(config); ${describe((sf as {name?: unknown}).name)} is not a registered semifield object. Define a new semifield with registerSemifield(definition) and pass its name or config`,
    );
  }
  let name: unknown;
  let given: Record<string, unknown> = {};
  if (typeof config === 'string') {
    name = config;
  } else if (config != null && typeof config === 'object' && !Array.isArray(config)) {
    ({name, ...given} = config as Record<string, unknown>);
  } else {
    throw new Error(`${argName}: expected ${expected()}, but got ${describe(config)}`);
  }
  const entry = typeof name === 'string' ? byName.get(name) : undefined;
  if (entry == null) throw new Error(`${argName}: expected ${expected()}, but got ${describe(config)}`);
  const params: Record<string, number> = {...entry.params};
  for (const [key, value] of Object.entries(given)) {
    if (!(key in entry.params)) {
      const allowed = Object.keys(entry.params);
      throw new Error(
        `${argName}: semifield '${entry.name}' takes ${allowed.length ? `only the parameter(s) ${allowed.join(', ')}` : 'no parameters'}, but got '${key}' in ${describe(config)}`,
      );
    }
    if (value === undefined) continue;
    if (typeof value !== 'number' || !Number.isFinite(value) || (entry.builtin && value === 0)) {
      throw new Error(
        `${argName}.${key}: expected a finite${entry.builtin ? ' non-zero' : ''} number, but got ${describe(value)}`,
      );
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
export function semifieldToConfig(semifield: AnySemifieldConfig | Semifield): SemifieldConfigObject {
  return {...getSemifield(semifield).config} as SemifieldConfigObject;
}

/** Resolve a semifield from the canonical key that kernels receive as an attribute. */
export function semifieldFromKey(key: string): Semifield {
  let config: unknown;
  try {
    config = JSON.parse(key);
  } catch {
    throw new Error(
      `semifield key: expected the JSON config of a registered semifield (e.g. '{"name":"maxplus"}'), but got ${describe(key)}`,
    );
  }
  return getSemifield(config as SemifieldConfig, 'semifield key');
}

/**
 * The built-in semifields with their parameters and defaults.
 *
 * @example
 * listSemifields().map((s) => s.name); // ['maxplus', 'minplus', 'log', 'root', 'linear']
 */
export function listSemifields(): Array<{
  name: string;
  params: Record<string, number>;
  summary: string;
  builtin: boolean;
}> {
  return entries.map((e) => ({name: e.name, params: {...e.params}, summary: e.summary, builtin: e.builtin}));
}
