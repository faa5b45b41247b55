import type {KernelConfig, KernelFunc, TensorInfo} from '@tensorflow/tfjs-core';
import {SEMIFIELD_CONV2D_BACKPROP_INPUT_KERNEL, type SemifieldBackpropInputs} from '../../src/ops/kernel_names.js';
import {SemifieldBackpropInputProgram} from './semifield_conv2d_backprop_input_gpu.js';
import {runBackprop} from './backprop_common.js';
import {PackedBackpropInputProgram} from './semifield_conv2d_backprop_packed_gpu.js';
import {type MathBackendWebGL, packedPrograms} from './webgl_util.js';

/*
 * dL/dx on WebGL in one fused pass. It reads the provenance (selection) or y (invertible): nothing
 * else of the forward pass is kept; terms are recomputed from x and w. Packed (2×2 per fragment)
 * under WEBGL_PACK, scalar otherwise.
 */
export const semifieldConv2DBackpropInputWebGL: KernelFunc = ({inputs, backend, attrs}) => {
  const args = inputs as SemifieldBackpropInputs<TensorInfo>;
  return runBackprop(backend as unknown as MathBackendWebGL, args, attrs, ({sf, info, glsl}, refined) =>
    packedPrograms()
      ? new PackedBackpropInputProgram(info, sf, glsl, refined)
      : new SemifieldBackpropInputProgram(info, sf, glsl, refined),
  );
};

export const semifieldConv2DBackpropInputWebGLConfig: KernelConfig = {
  kernelName: SEMIFIELD_CONV2D_BACKPROP_INPUT_KERNEL,
  backendName: 'webgl',
  kernelFunc: semifieldConv2DBackpropInputWebGL,
};
