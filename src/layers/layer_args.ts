/*
 * Argument parsing shared by the semifield layers: integer pairs, padding, and the tfjs-layers
 * objects (initialisers, regularisers, constraints, activations) that layer configs carry.
 *
 * tfjs-layers does not export its `getInitializer` / `serializeInitializer` helpers, so these are
 * resolved through tfjs-core's SerializationMap, the same registry `tf.loadLayersModel` uses: a
 * config written by `getConfig()` (`{className, config}`) comes back as the same object.
 */
import * as tf from '@tensorflow/tfjs-core';
import type {constraints, initializers, regularizers} from '@tensorflow/tfjs-layers';
import {isPositiveInt, parsePair} from '../ops/conv_info.js';
import {describeValue} from '../ops/describe.js';

/** A tfjs-layers initializer (the type tfjs-layers does not export by name). */
export type Initializer = ReturnType<typeof initializers.zeros>;
/** A tfjs-layers regularizer. */
export type Regularizer = ReturnType<typeof regularizers.l2>;
/** A tfjs-layers constraint. */
export type Constraint = ReturnType<typeof constraints.nonNeg>;

/** A serialised tfjs object as it appears in layer configs. */
export interface SerializedObject {
  className: string;
  config: tf.serialization.ConfigDict;
}

/** How users may name an initializer: a tfjs name ('glorotUniform', 'zeros'), an instance, or its config. */
export type InitializerIdentifier = string | Initializer | SerializedObject;
/** How users may name a regularizer: 'l1' | 'l2' | 'l1l2', an instance, or its config. */
export type RegularizerIdentifier = string | Regularizer | SerializedObject;
/** How users may name a constraint: 'nonNeg' | 'maxNorm' | 'unitNorm' | 'minMaxNorm', an instance, or its config. */
export type ConstraintIdentifier = string | Constraint | SerializedObject;

/** Activations tf.layers.conv2d accepts by name. */
export type ActivationIdentifier =
  | 'elu'
  | 'hardSigmoid'
  | 'linear'
  | 'relu'
  | 'relu6'
  | 'selu'
  | 'sigmoid'
  | 'softmax'
  | 'softplus'
  | 'softsign'
  | 'tanh'
  | 'swish'
  | 'mish'
  | 'gelu'
  | 'gelu_new'
  | 'logSoftmax';

const activationNames: readonly string[] = [
  'elu',
  'hardSigmoid',
  'linear',
  'relu',
  'relu6',
  'selu',
  'sigmoid',
  'softmax',
  'softplus',
  'softsign',
  'tanh',
  'swish',
  'mish',
  'gelu',
  'gelu_new',
  'logSoftmax',
];

/** Render a value for an error message. */
export const show: (value: unknown) => string = describeValue;

export {isPositiveInt};

/** A positive integer. */
export function parsePositiveInt(value: unknown, argName: string, fallback?: number): number {
  if (value === undefined && fallback !== undefined) return fallback;
  if (isPositiveInt(value)) return value;
  throw new Error(`${argName}: expected a positive integer, but got ${show(value)}`);
}

/** A positive integer or a pair of them, as [height, width]. */
export function parseIntPair(value: unknown, argName: string, fallback?: [number, number]): [number, number] {
  if (value === undefined && fallback !== undefined) return [...fallback];
  return parsePair(value, argName);
}

/** 'valid' or 'same', the two paddings tf.layers.conv2d offers for channelsLast images. */
export function parsePadding(
  value: unknown,
  argName = 'padding',
  fallback: 'valid' | 'same' = 'valid',
): 'valid' | 'same' {
  if (value === undefined) return fallback;
  if (value === 'valid' || value === 'same') return value;
  throw new Error(`${argName}: expected 'valid' or 'same', but got ${show(value)}`);
}

export function parseKind(value: unknown, argName = 'kind'): 'corr' | 'conv' {
  if (value === undefined) return 'corr';
  if (value === 'corr' || value === 'conv') return value;
  throw new Error(
    `${argName}: expected 'corr' (cross-correlation, the tfjs convention) or 'conv' (mirrored kernel), but got ${show(value)}`,
  );
}

export function parseBoolean(value: unknown, argName: string, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value === 'boolean') return value;
  throw new Error(`${argName}: expected true or false, but got ${show(value)}`);
}

/** Only NHWC is supported (the op's layout); 'channelsLast' is accepted for drop-in configs. */
export function checkDataFormat(value: unknown, argName = 'dataFormat'): void {
  if (value === undefined || value === null || value === 'channelsLast') return;
  throw new Error(
    `${argName}: expected 'channelsLast' (the only layout semifield layers support), but got ${show(value)}`,
  );
}

type ClassEntry = [
  tf.serialization.SerializableConstructor<tf.serialization.Serializable>,
  tf.serialization.FromConfigMethod<tf.serialization.Serializable>,
];

function lookupClass(className: string): ClassEntry | undefined {
  return tf.serialization.SerializationMap.getMap().classNameMap[className] as ClassEntry | undefined;
}

function isSerializedObject(value: unknown): value is SerializedObject {
  return value != null && typeof value === 'object' && typeof (value as SerializedObject).className === 'string';
}

function isInstance(value: unknown, method: string): value is tf.serialization.Serializable {
  return (
    value != null &&
    typeof value === 'object' &&
    typeof (value as Record<string, unknown>)[method] === 'function' &&
    typeof (value as tf.serialization.Serializable).getClassName === 'function'
  );
}

/**
 * Resolve a tfjs-layers object from an instance, a registered class name (case as tfjs spells it,
 * snake_case tolerated) or a `{className, config}` dict. `names` lists the accepted class names,
 * so a layer's class name cannot be passed where an initializer belongs.
 */
function resolveSerializable<T>(
  value: unknown,
  argName: string,
  what: string,
  names: readonly string[],
  method: string,
): T {
  if (isInstance(value, method)) return value as unknown as T;
  let className: string | undefined;
  let config: tf.serialization.ConfigDict = {};
  if (typeof value === 'string') {
    const wanted = value.replace(/_([a-z0-9])/g, (_, ch: string) => ch.toUpperCase()).toLowerCase();
    className = names.find((n) => n.toLowerCase() === wanted);
  } else if (isSerializedObject(value)) {
    className = names.includes(value.className) ? value.className : undefined;
    config = (value.config ?? {}) as tf.serialization.ConfigDict;
  }
  const entry = className === undefined ? undefined : lookupClass(className);
  if (entry == null) {
    throw new Error(
      `${argName}: expected ${what} (an instance, one of ${names.map((n) => `'${n}'`).join(', ')}, or {className, config}), but got ${show(value)}`,
    );
  }
  const [cls, fromConfig] = entry;
  return fromConfig(cls, config) as unknown as T;
}

const initializerNames = [
  'Zeros',
  'Ones',
  'Constant',
  'RandomUniform',
  'RandomNormal',
  'TruncatedNormal',
  'Identity',
  'VarianceScaling',
  'GlorotUniform',
  'GlorotNormal',
  'HeNormal',
  'HeUniform',
  'LeCunNormal',
  'LeCunUniform',
  'Orthogonal',
];
const regularizerNames = ['L1L2'];
const constraintNames = ['MaxNorm', 'UnitNorm', 'NonNeg', 'MinMaxNorm'];

/** `undefined`/`null` → undefined (the caller picks its default). */
export function resolveInitializer(value: unknown, argName: string): Initializer | undefined {
  if (value == null) return undefined;
  return resolveSerializable<Initializer>(value, argName, 'an initializer', initializerNames, 'apply');
}

export function resolveRegularizer(value: unknown, argName: string): Regularizer | undefined {
  if (value == null) return undefined;
  // tfjs names the short forms l1 / l2 / l1l2; all three are the class L1L2.
  if (value === 'l1' || value === 'l2' || value === 'l1l2') {
    const entry = lookupClass('L1L2')!;
    const config = value === 'l1' ? {l1: 0.01, l2: 0} : value === 'l2' ? {l1: 0, l2: 0.01} : {l1: 0.01, l2: 0.01};
    return entry[1](entry[0], config) as unknown as Regularizer;
  }
  return resolveSerializable<Regularizer>(value, argName, 'a regularizer', regularizerNames, 'apply');
}

export function resolveConstraint(value: unknown, argName: string): Constraint | undefined {
  if (value == null) return undefined;
  return resolveSerializable<Constraint>(value, argName, 'a constraint', constraintNames, 'apply');
}

/** `{className, config}` of a tfjs object, or null (how tf.layers configs spell "none"). */
export function serializeObject(value: tf.serialization.Serializable | undefined): SerializedObject | null {
  if (value == null) return null;
  return {className: value.getClassName(), config: value.getConfig()};
}

/** An activation applied elementwise after the layer (tfjs's own activation classes). */
export interface ResolvedActivation {
  name: ActivationIdentifier;
  apply(x: tf.Tensor): tf.Tensor;
}

export function resolveActivation(value: unknown, argName = 'activation'): ResolvedActivation {
  const name = value == null ? 'linear' : value;
  if (typeof name !== 'string' || !activationNames.includes(name)) {
    throw new Error(
      `${argName}: expected one of ${activationNames.map((n) => `'${n}'`).join(', ')}, but got ${show(value)}`,
    );
  }
  const entry = lookupClass(name);
  if (entry == null)
    throw new Error(
      `${argName}: tfjs-layers has no activation '${name}' registered (is @tensorflow/tfjs-layers loaded?)`,
    );
  const activation = entry[1](entry[0], {}) as unknown as {apply(x: tf.Tensor): tf.Tensor};
  return {name: name as ActivationIdentifier, apply: (x) => activation.apply(x)};
}

/** Output length of a window op along one axis, as tf.conv2d computes it (null stays null). */
export function convOutputLength(
  inputLength: number | null,
  filterSize: number,
  padding: 'valid' | 'same',
  stride: number,
  dilation: number,
): number | null {
  if (inputLength == null) return null;
  const effective = (filterSize - 1) * dilation + 1;
  const length = padding === 'same' ? inputLength : inputLength - effective + 1;
  return Math.floor((length + stride - 1) / stride);
}

/** The single tensor of a layer call (layers with one input receive a tensor or a one-element list). */
export function singleInput(inputs: tf.Tensor | tf.Tensor[], layerName: string): tf.Tensor {
  if (Array.isArray(inputs)) {
    if (inputs.length !== 1)
      throw new Error(`${layerName}: expected exactly one input tensor, but got ${inputs.length}`);
    return inputs[0];
  }
  return inputs;
}

/** The single shape of a layer's input. */
export function singleShape(
  shape: Array<number | null> | Array<Array<number | null>>,
  layerName: string,
): Array<number | null> {
  if (Array.isArray(shape[0])) {
    if (shape.length !== 1) throw new Error(`${layerName}: expected exactly one input shape, but got ${shape.length}`);
    return shape[0] as Array<number | null>;
  }
  return shape as Array<number | null>;
}

/**
 * The arguments a layer passes on to tfl.Layer: `args` without the layer's own keys (a copy; tfl.Layer
 * rejects keys it does not know).
 */
export function baseLayerArgs<T extends object>(args: T, ownKeys: ReadonlyArray<keyof T>): Partial<T> {
  const base: Partial<T> = {...args};
  for (const key of ownKeys) delete base[key];
  return base;
}
