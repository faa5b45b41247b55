import type {KernelConfig, KernelFunc, TensorInfo} from '@tensorflow/tfjs-core';
import {SEMIFIELD_CONV2D_BACKPROP_FILTER_KERNEL, type SemifieldBackpropInputs} from '../../src/ops/kernel_names.js';
import {SemifieldBackpropFilterProgram} from './semifield_conv2d_backprop_filter_gpu.js';
import {runBackprop} from './backprop_common.js';
import {PackedBackpropFilterProgram} from './semifield_conv2d_backprop_packed_gpu.js';
import {type MathBackendWebGL, packedPrograms} from './webgl_util.js';

/*
 * dL/dfilter on WebGL in one fused pass. It reads the provenance (selection) or y (invertible): nothing
 * else of the forward pass is kept; terms are recomputed from x and w. Packed (2×2 per fragment)
 * under WEBGL_PACK, scalar otherwise.
 */
export const semifieldConv2DBackpropFilterWebGL: KernelFunc = ({inputs, backend, attrs}) => {
  const args = inputs as SemifieldBackpropInputs<TensorInfo>;
  return runBackprop(backend as unknown as MathBackendWebGL, args, attrs, ({sf, info, glsl}, refined) =>
    packedPrograms()
      ? new PackedBackpropFilterProgram(info, sf, glsl, refined)
      : new SemifieldBackpropFilterProgram(info, sf, glsl, refined),
  );
};

export const semifieldConv2DBackpropFilterWebGLConfig: KernelConfig = {
  kernelName: SEMIFIELD_CONV2D_BACKPROP_FILTER_KERNEL,
  backendName: 'webgl',
  kernelFunc: semifieldConv2DBackpropFilterWebGL,
};
