import type {KernelConfig, KernelFunc, TensorInfo} from '@tensorflow/tfjs-core';
import {SEMIFIELD_CONV2D_KERNEL} from '../../src/ops/kernel_names.js';
import {InvertibleForwardProgram, SelectedTermProgram, SelectionScanProgram} from './semifield_conv2d_gpu.js';
import {PackedForwardProgram, PackedSelectedTermProgram} from './semifield_conv2d_packed_gpu.js';
import {kernelSetup, type MathBackendWebGL, packedPrograms, provenanceStoredExactly} from './webgl_util.js';

/*
 * Fused forward pass on WebGL: no unfold texture, each window scanned once with the ⊕ accumulation
 * in registers. Selection semifields need two outputs but WebGL renders one texture per pass, so the
 * scan writes the provenance and y is gathered from it (one term per output, bit-identical to the
 * selected term). On half-float targets with windows over 2048 terms the stored provenance is
 * rounded, so y comes from a second scan instead (the backward kernels refine the index).
 * With WEBGL_PACK (tfjs's default) the packed programs compute 2×2 output blocks per fragment.
 */
export const semifieldConv2DWebGL: KernelFunc = ({inputs, backend, attrs}) => {
  const webgl = backend as unknown as MathBackendWebGL;
  const {x, filter} = inputs as {x: TensorInfo; filter: TensorInfo};
  const {sf, info, glsl} = kernelSetup(attrs, x.shape, filter.shape);
  const packed = packedPrograms();
  if (sf.gradientRule === 'selection') {
    const prov = packed
      ? webgl.runWebGLProgram(new PackedForwardProgram(info, glsl, {gradientRule: 'selection'}), [x, filter], 'int32')
      : webgl.runWebGLProgram(new SelectionScanProgram(info, glsl, 'provenance'), [x, filter], 'int32');
    let y;
    if (!provenanceStoredExactly(info)) {
      y = webgl.runWebGLProgram(new SelectionScanProgram(info, glsl, 'value'), [x, filter], 'float32');
    } else if (packed) {
      y = webgl.runWebGLProgram(new PackedSelectedTermProgram(info, glsl), [x, filter, prov], 'float32');
    } else {
      y = webgl.runWebGLProgram(new SelectedTermProgram(info, glsl), [x, filter, prov], 'float32');
    }
    return [y, prov];
  }
  const program = packed
    ? new PackedForwardProgram(info, glsl, {gradientRule: 'invertible', accumulation: sf.accumulation})
    : new InvertibleForwardProgram(info, glsl, sf.accumulation);
  return [webgl.runWebGLProgram(program, [x, filter], 'float32')];
};

export const semifieldConv2DWebGLConfig: KernelConfig = {
  kernelName: SEMIFIELD_CONV2D_KERNEL,
  backendName: 'webgl',
  kernelFunc: semifieldConv2DWebGL,
};
