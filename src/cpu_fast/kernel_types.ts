/*
 * What the fast cpu kernels need from tfjs-backend-cpu: reading a tensor's values
 * and wrapping a result. Typed structurally so the package does not import the backend's internals.
 */
import type * as tf from '@tensorflow/tfjs-core';

export interface CpuBackendLike {
  data: {get(dataId: object): {values: unknown}};
  makeTensorInfo(shape: number[], dtype: tf.DataType, values: Float32Array): tf.TensorInfo;
}

/** A replacement kernel: handles what it can and hands everything else to tfjs's own kernel. */
export type ReplacementKernel = (
  args: Parameters<tf.KernelConfig['kernelFunc']>[0],
  tfjsKernel: tf.KernelConfig['kernelFunc'],
) => ReturnType<tf.KernelConfig['kernelFunc']>;

export function valuesOf(backend: CpuBackendLike, t: tf.TensorInfo): Float32Array {
  return backend.data.get(t.dataId).values as Float32Array;
}
