/*
 * The example's replacements for tfjs-backend-cpu 4.22 kernels that dominate a training step of
 * these small networks (profiles in docs/mnist-example.md). They compute the same functions as
 * tfjs's kernels (test/node/mnist-cpu-kernels.test.ts compares each with tfjs's own on random
 * inputs) and serve every variant alike, baseline included, so the comparison stays fair; each
 * hands the cases it does not handle (NCHW, other dtypes, other activations) to tfjs's kernel.
 * `npm run example -- --tfjs-cpu-kernels` trains with tfjs's kernels only.
 */
import * as tf from '@tensorflow/tfjs';
import {addReplacement, multiplyReplacement} from './binary_elementwise.js';
import {batchMatMulReplacement, fusedMatMulReplacement} from './batch_mat_mul.js';
import {conv2dReplacement, fusedConv2dReplacement} from './conv2d.js';
import {conv2dBackpropFilterReplacement} from './conv2d_backprop_filter.js';
import {conv2dBackpropInputReplacement} from './conv2d_backprop_input.js';
import type {ReplacementKernel} from './cpu_kernel_types.js';
import {maxPoolGradReplacement} from './max_pool_grad.js';
import {sumReplacement} from './sum.js';
import {reluReplacement, stepReplacement} from './unary_elementwise.js';

export const replacedCpuKernels: Record<string, ReplacementKernel> = {
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
};

const originals = new Map<string, tf.KernelConfig>();

/**
 * Register the replacements for the cpu backend (all of {@link replacedCpuKernels}, or the names
 * given). Idempotent; {@link uninstallFastCpuKernels} puts tfjs's kernels back.
 */
export function installFastCpuKernels(names: string[] = Object.keys(replacedCpuKernels)): void {
  for (const name of names) {
    const replacement = replacedCpuKernels[name];
    if (replacement == null) throw new Error(`installFastCpuKernels: names: expected some of ${Object.keys(replacedCpuKernels).join(', ')}, but got '${name}'`);
    if (originals.has(name)) continue;
    const original = tf.getKernel(name, 'cpu');
    if (original == null) throw new Error(`installFastCpuKernels: the cpu backend has no ${name} kernel to replace`);
    originals.set(name, original);
    tf.unregisterKernel(name, 'cpu');
    tf.registerKernel({...original, kernelFunc: (args) => replacement(args, original.kernelFunc)});
  }
}

/** Put tfjs's own cpu kernels back (all, or the names given). */
export function uninstallFastCpuKernels(names: string[] = [...originals.keys()]): void {
  for (const name of names) {
    const original = originals.get(name);
    if (original == null) continue;
    tf.unregisterKernel(name, 'cpu');
    tf.registerKernel(original);
    originals.delete(name);
  }
}
