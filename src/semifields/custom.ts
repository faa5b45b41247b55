import * as tf from '@tensorflow/tfjs-core';
import {describeValue} from '../ops/describe.js';
import type {
  InvertibleSemifield,
  SelectionSemifield,
  Semifield,
  SemifieldConfigObject,
  ShaderLanguage,
  ShaderSnippets,
} from './types.js';

/**
 * A user semifield in tensor form (what {@link registerSemifield} takes from `create`, or inline).
 * ⊗ is + or · (the op's gradients use ∂t/∂x = 1 or w); ⊕ is given as a tensor function and its
 * gradient rule as either a selection (a strict comparison) or an invertible f with f⁻¹ and f′.
 */
export interface SemifieldSpec {
  /** Human-readable formula, for error messages and docs. */
  description?: string;
  /** ⊕ identity 𝟘 (checked on the probe values: 𝟘 ⊕ a = a). */
  zero: number;
  /** ⊗: 'add' (a + b, 𝟙 = 0) or 'multiply' (a · b, 𝟙 = 1). */
  times: 'add' | 'multiply';
  /** a ⊕ b elementwise on tensors (used to check the definition; kernels use the gradient rule's forms). */
  plus(a: tf.Tensor, b: tf.Tensor): tf.Tensor;
  /** How ⊕ accumulates and differentiates. */
  gradient: SelectionRule | InvertibleRule;
  /** Values in the semifield's domain to check the definition on. Default [0.25, 0.5, 1.5, 2]. */
  probe?: number[];
  /**
   * Optional fused-kernel forms (the scalar and GLSL / WGSL forms the built-ins supply, see
   * {@link Semifield} and {@link ShaderSnippets}). Without them every backend runs the composite path.
   */
  fused?: FusedForms;
}

/** ⊕ selects one term: `better(t, acc)` is true where t strictly beats acc (a bool tensor). */
export interface SelectionRule {
  kind: 'selection';
  better(t: tf.Tensor, acc: tf.Tensor): tf.Tensor;
}

/**
 * y = f⁻¹(Σ f(t)), ∂y/∂t = f′(t)/f′(y). `ratio(t, m)` = f(t)/f(m) and `finalize(m, s)` =
 * f⁻¹(s·f(m)) are optional stable forms (e.g. e^{(t−m)/μ} and m + μ·log s for log-sum-exp); without
 * them the composite path evaluates f directly (fine while f(t) stays inside float32).
 */
export interface InvertibleRule {
  kind: 'invertible';
  f(t: tf.Tensor): tf.Tensor;
  fInverse(s: tf.Tensor): tf.Tensor;
  fPrime(t: tf.Tensor): tf.Tensor;
  ratio?(t: tf.Tensor, m: tf.Tensor): tf.Tensor;
  finalize?(m: tf.Tensor, s: tf.Tensor): tf.Tensor;
  /** Optional stable form of f′(t)/f′(y) (e.g. e^{(t−y)/μ}); default the quotient of fPrime. */
  gradWeight?(t: tf.Tensor, y: tf.Tensor): tf.Tensor;
}

/** Scalar and shader forms for fused kernels (same meaning as the fields of {@link Semifield}). */
export interface FusedForms {
  term(x: number, w: number): number;
  plus(a: number, b: number): number;
  /** Selection. */
  better?(t: number, acc: number): boolean;
  /** Invertible (rescaled accumulation). */
  dominates?(t: number, m: number): boolean;
  ratio?(a: number, m: number): number;
  finalize?(m: number, s: number): number;
  gradWeight?(t: number, y: number): number;
  shader(lang: ShaderLanguage): ShaderSnippets;
}

const DEFAULT_PROBE = [0.25, 0.5, 1.5, 2];

/**
 * Runs `fn` — tensor work whose values are read back at once (probe checks, scalar forms) — on the
 * cpu backend when tfjs has one, switching back afterwards. On the active backend a synchronous
 * read-back may not exist (webgpu in Node: no OffscreenCanvas) or is slow and unreliable (webgpu on
 * SwiftShader); registerSemifield and getSemifield of new parameters must work under any backend.
 * tf.setBackend of an initialised backend (or cpu, which initialises synchronously) completes
 * before it returns, so this stays synchronous. Without a cpu backend, the active one is used.
 */
function onReadableBackend<T>(fn: () => T): T {
  const previous = tf.getBackend();
  if (previous === 'cpu' || previous == null || tf.findBackend('cpu') == null) return fn();
  void tf.setBackend('cpu');
  try {
    return fn();
  } finally {
    void tf.setBackend(previous);
  }
}

/** `fn`'s tensor result read back (one value) on the readable backend, inside a tidy. */
function readScalar(fn: () => tf.Tensor): number {
  return onReadableBackend(() => tf.tidy(() => fn().dataSync()[0]));
}

function fail(where: string, what: string, got: unknown): never {
  throw new Error(`registerSemifield: ${where}: expected ${what}, but got ${describeValue(got)}`);
}

function checkFunction(obj: Record<string, unknown>, key: string, where: string, why = ''): void {
  if (typeof obj[key] !== 'function') fail(`${where}.${key}`, `a function${why}`, obj[key]);
}

/** Shape and type checks of a spec (no tensors). */
export function checkSpec(spec: unknown, where: string): asserts spec is SemifieldSpec {
  if (spec == null || typeof spec !== 'object' || Array.isArray(spec))
    fail(where, 'a semifield spec object {zero, times, plus, gradient}', spec);
  const s = spec as Record<string, unknown>;
  if (typeof s.zero !== 'number' || Number.isNaN(s.zero))
    fail(`${where}.zero`, 'a number (the ⊕ identity, ±Infinity allowed)', s.zero);
  if (s.times !== 'add' && s.times !== 'multiply') fail(`${where}.times`, "'add' or 'multiply'", s.times);
  checkFunction(s, 'plus', where, ' (a, b) => a ⊕ b on tensors');
  const g = s.gradient as Record<string, unknown> | undefined;
  if (g == null || typeof g !== 'object')
    fail(`${where}.gradient`, "{kind: 'selection', better} or {kind: 'invertible', f, fInverse, fPrime}", g);
  if (g.kind === 'selection') {
    checkFunction(g, 'better', `${where}.gradient`, ' (t, acc) => bool tensor, t strictly better than acc');
  } else if (g.kind === 'invertible') {
    checkFunction(g, 'f', `${where}.gradient`);
    checkFunction(g, 'fInverse', `${where}.gradient`);
    checkFunction(g, 'fPrime', `${where}.gradient`, ' (the derivative f′ of f: the gradient rule needs it)');
    for (const k of ['ratio', 'finalize', 'gradWeight'])
      if (g[k] !== undefined) checkFunction(g, k, `${where}.gradient`);
  } else {
    fail(`${where}.gradient.kind`, "'selection' or 'invertible'", g.kind);
  }
  if (
    s.probe !== undefined &&
    (!Array.isArray(s.probe) ||
      s.probe.length < 2 ||
      !s.probe.every((v) => typeof v === 'number' && Number.isFinite(v)))
  ) {
    fail(`${where}.probe`, 'an array of at least two finite numbers', s.probe);
  }
  if (s.description !== undefined && typeof s.description !== 'string')
    fail(`${where}.description`, 'a string', s.description);
  if (s.fused !== undefined) {
    const f = s.fused as Record<string, unknown>;
    if (f == null || typeof f !== 'object') fail(`${where}.fused`, 'an object of scalar and shader forms', f);
    const need =
      g.kind === 'selection'
        ? ['term', 'plus', 'better', 'shader']
        : ['term', 'plus', 'dominates', 'ratio', 'finalize', 'gradWeight', 'shader'];
    for (const k of need) checkFunction(f, k, `${where}.fused`);
  }
}

const close = (a: number, b: number) => a === b || Math.abs(a - b) <= 1e-4 * (1 + Math.abs(b));

/** Probe checks on tensors: 𝟘 neutral, selection strict and consistent with ⊕, f⁻¹∘f = id, f′ ≈ f's slope. */
function probeSpec(spec: SemifieldSpec, where: string): void {
  const probe = spec.probe ?? DEFAULT_PROBE;
  onReadableBackend(() =>
    tf.tidy(() => {
      const a = tf.tensor1d(probe);
      const b = tf.reverse(a);
      const read = (t: tf.Tensor, what: string): number[] => {
        if (!(t instanceof tf.Tensor)) fail(what, 'a tf.Tensor', t);
        return Array.from(t.dataSync());
      };
      const withZero = read(spec.plus(tf.fill([probe.length], spec.zero), a), `${where}.plus(zero, a)`);
      withZero.forEach((v, k) => {
        if (!close(v, probe[k])) {
          throw new Error(
            `registerSemifield: ${where}.zero: ${spec.zero} is not neutral for ⊕ on the probe: zero ⊕ ${probe[k]} gave ${v}`,
          );
        }
      });
      const sum = read(spec.plus(a, b), `${where}.plus(a, b)`);
      const g = spec.gradient;
      if (g.kind === 'selection') {
        const better = g.better(a, b);
        if (!(better instanceof tf.Tensor) || better.dtype !== 'bool')
          fail(`${where}.gradient.better(t, acc)`, 'a bool tensor', better);
        if (read(g.better(a, a), '').some((v) => v !== 0)) {
          throw new Error(
            `registerSemifield: ${where}.gradient.better: must be strict (better(t, t) false), but better(a, a) is true on the probe`,
          );
        }
        const picked = read(tf.where(better, a, b), '');
        picked.forEach((v, k) => {
          if (!close(sum[k], v)) {
            throw new Error(
              `registerSemifield: ${where}.gradient.better: disagrees with plus on the probe: plus(${probe[k]}, ${probe[probe.length - 1 - k]}) = ${sum[k]}, but better selects ${v}`,
            );
          }
        });
      } else {
        const back = read(g.fInverse(g.f(a)), `${where}.gradient.fInverse(f(t))`);
        back.forEach((v, k) => {
          if (!close(v, probe[k]))
            throw new Error(
              `registerSemifield: ${where}.gradient.fInverse: fInverse(f(${probe[k]})) gave ${v}, expected ${probe[k]}`,
            );
        });
        const viaF = read(g.fInverse(tf.add(g.f(a), g.f(b))), '');
        viaF.forEach((v, k) => {
          if (!close(v, sum[k])) {
            throw new Error(
              `registerSemifield: ${where}.gradient: f⁻¹(f(a) + f(b)) = ${v} disagrees with plus(a, b) = ${sum[k]} on the probe (a = ${probe[k]})`,
            );
          }
        });
        const h = 1e-3;
        const slope = read(tf.div(tf.sub(g.f(tf.add(a, h)), g.f(tf.sub(a, h))), 2 * h), '');
        const fp = read(g.fPrime(a), `${where}.gradient.fPrime(t)`);
        fp.forEach((v, k) => {
          if (!(Math.abs(v - slope[k]) <= 2e-2 * (1 + Math.abs(slope[k])))) {
            throw new Error(
              `registerSemifield: ${where}.gradient.fPrime: f′(${probe[k]}) = ${v}, but f's slope there is ${slope[k]}`,
            );
          }
        });
      }
    }),
  );
}

/** Build the Semifield object of a spec: composite forms from the tensor rule, fused forms if given. */
export function semifieldFromSpec(
  name: string,
  params: Record<string, number>,
  spec: SemifieldSpec,
  where: string,
): Semifield {
  probeSpec(spec, where);
  const config = {name, ...params} as unknown as SemifieldConfigObject;
  const multiplicative = spec.times === 'multiply';
  const zero = spec.zero;
  const fused = spec.fused;
  const common = {
    name: name as SemifieldConfigObject['name'],
    config,
    key: JSON.stringify(config),
    description: spec.description ?? `user semifield '${name}' (⊗ = ${multiplicative ? '·' : '+'})`,
    zero,
    one: multiplicative ? 1 : 0,
    multiplicative,
    // Selection kernels assume ⊗ = + (the tropical kernels); a multiplicative selection semifield
    // runs the composite path even when it supplies fused forms.
    compositeOnly: fused == null || (spec.gradient.kind === 'selection' && multiplicative),
    term: fused?.term ?? ((x: number, w: number) => (multiplicative ? x * w : x + w)),
    plus: fused?.plus ?? ((a: number, b: number) => readScalar(() => spec.plus(tf.scalar(a), tf.scalar(b)))),
    termTensor: (x: tf.Tensor, w: tf.Tensor) => (multiplicative ? tf.mul(x, w) : tf.add(x, w)),
    shader: (lang: ShaderLanguage): ShaderSnippets => {
      if (fused == null)
        throw new Error(`semifield '${name}': no shader forms were registered (it runs the composite path)`);
      return fused.shader(lang);
    },
  };
  const g = spec.gradient;
  if (g.kind === 'selection') {
    const direction: 1 | -1 = readScalar(() => g.better(tf.scalar(1), tf.scalar(0))) ? 1 : -1;
    const sf: SelectionSemifield = {
      ...common,
      gradientRule: 'selection',
      direction,
      better: fused?.better ?? ((t, acc) => (direction === 1 ? t > acc : t < acc)),
      betterTensor: (t, acc) => g.better(t, acc),
      reduceTensor: (t, axis) =>
        tf.tidy(() => {
          const parts = tf.unstack(t, axis);
          return parts.slice(1).reduce((acc, p) => tf.where(g.better(p, acc), p, acc), parts[0]);
        }),
    };
    return sf;
  }
  // Which term dominates Σ f(t): the largest where f increases, the smallest where it decreases.
  const up = readScalar(() => tf.greaterEqual(g.f(tf.scalar(1)), g.f(tf.scalar(0.5)))) === 1;
  const dominantTensor = (a: tf.Tensor, b: tf.Tensor) => (up ? tf.maximum(a, b) : tf.minimum(a, b));
  const ratioTensor = (t: tf.Tensor, m: tf.Tensor) =>
    tf.tidy(() => {
      const raw = g.ratio ? g.ratio(t, m) : tf.div(g.f(t), g.f(m));
      return tf.where(tf.equal(t, zero), tf.zerosLike(raw), tf.where(tf.equal(t, m), tf.onesLike(raw), raw));
    });
  const finalizeTensor = (m: tf.Tensor, s: tf.Tensor) =>
    tf.tidy(() => {
      const raw = g.finalize ? g.finalize(m, s) : g.fInverse(tf.mul(s, g.f(m)));
      return tf.where(tf.equal(m, zero), tf.fill(m.shape, zero), raw);
    });
  const gradWeightTensor = (t: tf.Tensor, y: tf.Tensor) =>
    tf.tidy(() => {
      const raw = g.gradWeight ? g.gradWeight(t, y) : tf.div(g.fPrime(t), g.fPrime(y));
      // 0 where y is 𝟘, or where the ratio is not finite (0·∞ terms); 1 where t = y.
      const w = tf.where(tf.equal(t, y), tf.onesLike(raw), raw);
      return tf.where(tf.logicalOr(tf.equal(y, zero), tf.logicalNot(tf.isFinite(w))), tf.zerosLike(w), w);
    });
  const sf: InvertibleSemifield = {
    ...common,
    gradientRule: 'invertible',
    accumulation: 'rescaled',
    dominates: fused?.dominates ?? ((t, m) => (up ? t > m : t < m)),
    ratio: fused?.ratio ?? ((a, m) => readScalar(() => ratioTensor(tf.scalar(a), tf.scalar(m)))),
    finalize: fused?.finalize ?? ((m, s) => readScalar(() => finalizeTensor(tf.scalar(m), tf.scalar(s)))),
    gradWeight: fused?.gradWeight ?? ((t, y) => readScalar(() => gradWeightTensor(tf.scalar(t), tf.scalar(y)))),
    dominantTensor,
    reduceDominantTensor: (t, axis) => (up ? tf.max(t, axis) : tf.min(t, axis)),
    ratioTensor,
    finalizeTensor,
    gradWeightTensor,
    // The anchor is the dominant term itself where it is finite, else 0 (an empty window: every
    // ratio is then of a 𝟘 term, i.e. 0, and finalize gives 𝟘).
    safeAnchorTensor: (m) => tf.tidy(() => tf.where(tf.isFinite(m), m, tf.zerosLike(m))),
    scaledTermTensor: (t, anchor) =>
      tf.tidy(() => {
        const raw = g.ratio ? g.ratio(t, anchor) : tf.div(g.f(t), g.f(anchor));
        return tf.where(tf.equal(t, zero), tf.zerosLike(raw), raw);
      }),
    finalizeFromAnchorTensor: (m, anchor, s) =>
      tf.tidy(() => {
        const raw = g.finalize ? g.finalize(anchor, s) : g.fInverse(tf.mul(s, g.f(anchor)));
        return tf.where(tf.isFinite(m), raw, m);
      }),
  };
  return sf;
}
