import * as tf from '@tensorflow/tfjs-core';

/**
 * Argument checks shared by the linear primitives. Each throws an Error that names the argument,
 * the expectation and the value (docs/design.md §7); none of them allocates a tensor.
 */

/** Short, printable description of a value for an error message. */
export function describe(value: unknown): string {
  if (value instanceof tf.Tensor) return `a ${value.dtype} tensor of shape [${value.shape.join(', ')}]`;
  if (typeof value === 'number' || typeof value === 'boolean' || value == null) return String(value);
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  return typeof value;
}

export function checkMatrix(name: string, value: unknown): tf.Tensor2D {
  if (!(value instanceof tf.Tensor))
    throw new Error(`${name}: expected a rank-2 tf.Tensor, but got ${describe(value)}`);
  if (value.isDisposed) throw new Error(`${name}: expected a live tensor, but got a disposed tensor`);
  if (value.rank !== 2)
    throw new Error(
      `${name}: expected a rank-2 tensor, but got rank ${value.rank} (shape [${value.shape.join(', ')}])`,
    );
  if (value.dtype !== 'float32' && value.dtype !== 'int32') {
    throw new Error(`${name}: expected dtype float32 or int32, but got ${value.dtype}`);
  }
  return value as tf.Tensor2D;
}

export function checkInnerDims(aName: string, a: tf.Tensor2D, bName: string, b: tf.Tensor2D): void {
  if (a.shape[1] !== b.shape[0]) {
    throw new Error(
      `${bName}: expected its row count to equal the column count of ${aName} (${a.shape[1]}), ` +
        `but got shape [${b.shape.join(', ')}] against ${aName} shape [${a.shape.join(', ')}]`,
    );
  }
}

export function checkInteger(name: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new Error(`${name}: expected an integer in [${min}, ${max}], but got ${describe(value)}`);
  }
  return value;
}

export function checkNumberInRange(name: string, value: unknown, min: number, max: number, openMin = false): number {
  const below = typeof value === 'number' && (openMin ? value <= min : value < min);
  if (typeof value !== 'number' || !Number.isFinite(value) || below || value > max) {
    throw new Error(`${name}: expected a number in ${openMin ? '(' : '['}${min}, ${max}], but got ${describe(value)}`);
  }
  return value;
}

export function checkOptionsObject(name: string, value: unknown): Record<string, unknown> {
  if (value === undefined) return {};
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new Error(`${name}: expected an options object, but got ${describe(value)}`);
  }
  return value as Record<string, unknown>;
}
