import * as tf from '@tensorflow/tfjs-core';

/*
 * Rendering of argument values for error messages (docs/design.md §7), shared by the ops, the layers and
 * the primitives. JSON.stringify alone prints NaN and ±∞ as null and drops functions: here they
 * print as NaN, Infinity, -Infinity and "a function", also inside arrays and objects.
 */

const MARK = '\u2063nf:';
const MARK_RE = new RegExp(`"${MARK}(.*?)${MARK}"`, 'g');

/** A value as an error message shows it: strings quoted ('same'), numbers as JS prints them. */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') return `'${value}'`;
  if (typeof value === 'number') return Object.is(value, -0) ? '-0' : String(value);
  if (typeof value === 'function') return 'a function';
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'symbol') return value.toString();
  if (value === undefined) return 'undefined';
  if (value instanceof tf.Tensor) return `a ${value.dtype} tensor of shape [${value.shape}]`;
  if (value instanceof Map) return 'a Map';
  if (value instanceof Set) return 'a Set';
  if (ArrayBuffer.isView(value))
    return `a ${value.constructor.name} of length ${(value as unknown as {length?: number}).length ?? value.byteLength}`;
  try {
    const text = JSON.stringify(value, (_key, v: unknown) => {
      if (typeof v === 'number' && !Number.isFinite(v)) return `${MARK}${v}${MARK}`;
      if (typeof v === 'function') return `${MARK}a function${MARK}`;
      if (typeof v === 'bigint') return `${MARK}${v}n${MARK}`;
      if (v === undefined) return `${MARK}undefined${MARK}`;
      return v;
    });
    return text === undefined ? String(value) : text.replace(MARK_RE, '$1');
  } catch {
    return String(value);
  }
}

/** describeValue, but strings in double quotes (the style of messages that JSON-quote options). */
export function describeJson(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : describeValue(value);
}

/** Is this something tf.tensor(values) can take as numbers: a number, a TypedArray or an array? */
function isNumericLike(value: unknown): boolean {
  if (typeof value === 'number' || typeof value === 'boolean') return true;
  if (ArrayBuffer.isView(value)) return !(value instanceof DataView);
  return Array.isArray(value);
}

/**
 * Converts a tensor-like argument to a float32 tensor, naming the argument on failure (tf.tensor's
 * own message, "values passed to tensor(values) must be …", names none). Tensors pass through
 * with a dtype and disposal check; created tensors are pushed on `created` for the caller to dispose.
 */
export function tensorArgument(value: unknown, name: string, created: tf.Tensor[], opName?: string): tf.Tensor {
  const where = opName ? ` (${opName})` : '';
  if (value instanceof tf.Tensor) {
    if (value.isDisposed) throw new Error(`${name}: the tensor passed${where} is disposed`);
    if (value.dtype !== 'float32')
      throw new Error(`${name}: expected a float32 tensor, but got a ${value.dtype} tensor`);
    return value;
  }
  if (!isNumericLike(value)) {
    throw new Error(
      `${name}: expected a tf.Tensor, a TypedArray or a nested array of numbers${where}, but got ${describeValue(value)}`,
    );
  }
  let t: tf.Tensor;
  try {
    t = tf.tensor(value as tf.TensorLike, undefined, 'float32');
  } catch (e) {
    throw new Error(`${name}: ${(e as Error).message}`, {cause: e});
  }
  created.push(t);
  return t;
}

/**
 * The operands of a 2-D convolution as tensors (through `asTensor`, which checks and converts one
 * argument), x of rank 4 or 3 (one image without the batch), and x's shape as rank 4.
 */
export function convOperands(
  x: unknown,
  filter: unknown,
  asTensor: (value: unknown, name: string) => tf.Tensor,
): {x: tf.Tensor; filter: tf.Tensor; x4Shape: number[]} {
  const $x = asTensor(x, 'x');
  const $filter = asTensor(filter, 'filter');
  if ($x.rank !== 3 && $x.rank !== 4) {
    throw new Error(
      `x: expected a rank-4 tensor [batch, height, width, channels] or rank 3 without batch, but got shape [${$x.shape}]`,
    );
  }
  return {x: $x, filter: $filter, x4Shape: $x.rank === 3 ? [1, ...$x.shape] : $x.shape};
}
