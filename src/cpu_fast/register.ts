/*
 * Opt-in replacements for tfjs-backend-cpu 4.22 kernels that dominate a training step of small
 * conv / dense networks (profiles in docs/mnist-example.md; the MNIST example trains with them).
 * They compute the same functions as tfjs's kernels (test/node/cpu-fast-kernels.test.ts compares
 * each with tfjs's own on random inputs), in plain typed-array loops: nothing Node-only, so they
 * work in a browser's cpu backend too. Each hands the cases it does not handle (NCHW, other dtypes,
 * other activations, true broadcasts) to tfjs's own kernel.
 */
import * as tf from '@tensorflow/tfjs-core';
import {addReplacement, multiplyReplacement} from './binary_elementwise.js';
import {batchMatMulReplacement, fusedMatMulReplacement} from './batch_mat_mul.js';
import {conv2dReplacement, fusedConv2dReplacement} from './conv2d.js';
import {conv2dBackpropFilterReplacement} from './conv2d_backprop_filter.js';
import {conv2dBackpropInputReplacement} from './conv2d_backprop_input.js';
import type {ReplacementKernel} from './kernel_types.js';
import {maxPoolGradReplacement} from './max_pool_grad.js';
import {sumReplacement} from './sum.js';
import {reluReplacement, stepReplacement} from './unary_elementwise.js';

export type {ReplacementKernel} from './kernel_types.js';

/**
 * The replacement kernel functions by tfjs kernel name. Each takes tfjs's kernel arguments and
 * tfjs's own kernel function, to which it hands every case it does not handle.
 */
export const fastCpuKernels: Readonly<Record<string, ReplacementKernel>> = Object.freeze({
  Conv2D: conv2dReplacement,
  FusedConv2D: fusedConv2dReplacement,
  Conv2DBackpropInput: conv2dBackpropInputReplacement,
  Conv2DBackpropFilter: conv2dBackpropFilterReplacement,
  MaxPoolGrad: maxPoolGradReplacement,
  BatchMatMul: batchMatMulReplacement,
  _FusedMatMul: fusedMatMulReplacement,
  Sum: sumReplacement,
  Add: addReplacement,
  Multiply: multiplyReplacement,
  Relu: reluReplacement,
  Step: stepReplacement,
});

/** Names of the kernels {@link registerFastCpuKernels} can replace. */
export const FAST_CPU_KERNEL_NAMES: readonly string[] = Object.freeze(Object.keys(fastCpuKernels));

const originals = new Map<string, tf.KernelConfig>();

function checkNames(names: unknown, fn: string): string[] {
  if (!Array.isArray(names))
    throw new Error(`${fn}: names: expected an array of kernel names, but got ${JSON.stringify(names)}`);
  for (const name of names) {
    if (typeof name !== 'string' || !(name in fastCpuKernels)) {
      throw new Error(`${fn}: names: expected some of ${FAST_CPU_KERNEL_NAMES.join(', ')}, but got '${String(name)}'`);
    }
  }
  return names as string[];
}

/**
 * Replace tfjs-backend-cpu's kernels for Conv2D, FusedConv2D, Conv2DBackpropInput,
 * Conv2DBackpropFilter, MaxPoolGrad, BatchMatMul, _FusedMatMul, Sum, Add, Multiply, Relu and Step
 * (or only the `names` given) with faster typed-array versions. Same results as tfjs's kernels up
 * to float32 rounding (they accumulate in float64; Add, Multiply, Relu, Step are bit-identical);
 * cases they do not handle go to tfjs's own kernel. On the MNIST example's networks a training
 * step is several times faster (docs/mnist-example.md).
 *
 * Opt-in and global: it affects every model on the `cpu` backend in this JavaScript realm, the
 * package's own ops included. Idempotent; {@link unregisterFastCpuKernels} puts tfjs's kernels back.
 * The cpu backend must be loaded first (`@tensorflow/tfjs-backend-cpu`, or `@tensorflow/tfjs`).
 *
 * @param names kernel names among {@link FAST_CPU_KERNEL_NAMES}; default all.
 * @returns the names now replaced (all replaced so far, not just by this call).
 *
 * @example
 * import * as tf from '@tensorflow/tfjs';
 * import {registerFastCpuKernels, unregisterFastCpuKernels} from 'tfjs-semifield/cpu-fast';
 * await tf.setBackend('cpu');
 * registerFastCpuKernels();
 * // … train / predict as usual: tf.conv2d, tf.matMul, their gradients, … use the fast kernels.
 * unregisterFastCpuKernels(); // back to tfjs-backend-cpu's own kernels
 */
export function registerFastCpuKernels(names: readonly string[] = FAST_CPU_KERNEL_NAMES): string[] {
  for (const name of checkNames(names, 'registerFastCpuKernels')) {
    if (originals.has(name)) continue;
    const original = tf.getKernel(name, 'cpu');
    if (original == null) {
      throw new Error(
        `registerFastCpuKernels: the cpu backend has no ${name} kernel to replace: import '@tensorflow/tfjs-backend-cpu' (or '@tensorflow/tfjs') first`,
      );
    }
    const replacement = fastCpuKernels[name];
    originals.set(name, original);
    tf.unregisterKernel(name, 'cpu');
    tf.registerKernel({...original, kernelFunc: (args) => replacement(args, original.kernelFunc)});
  }
  return [...originals.keys()];
}

/**
 * Put tfjs-backend-cpu's own kernels back (all replaced ones, or the `names` given). Names not
 * currently replaced are ignored.
 */
export function unregisterFastCpuKernels(names: readonly string[] = [...originals.keys()]): void {
  for (const name of checkNames(names, 'unregisterFastCpuKernels')) {
    const original = originals.get(name);
    if (original == null) continue;
    tf.unregisterKernel(name, 'cpu');
    tf.registerKernel(original);
    originals.delete(name);
  }
}

/** The kernel names currently replaced by {@link registerFastCpuKernels}. */
export function fastCpuKernelsRegistered(): string[] {
  return [...originals.keys()];
}
