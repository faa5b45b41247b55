import type {TensorInfo} from '@tensorflow/tfjs-core';
import {ProvenanceRefineProgram} from './provenance_refine_gpu.js';
import {type GPGPUProgram, kernelSetup, type MathBackendWebGL, provenanceStoredExactly} from './webgl_util.js';

/**
 * Shared body of the two backward kernels: run the program `make` builds, first refining a rounded
 * half-float provenance when the window is too large for it to be stored exactly.
 */
export function runBackprop(
  backend: MathBackendWebGL,
  inputs: Record<'dy' | 'x' | 'filter' | 'aux', TensorInfo>,
  attrs: unknown,
  make: (setup: ReturnType<typeof kernelSetup>, refined: boolean) => GPGPUProgram,
): TensorInfo {
  const {dy, x, filter, aux} = inputs;
  const setup = kernelSetup(attrs, x.shape, filter.shape);
  if (setup.sf.kind === 'selection' && !provenanceStoredExactly(setup.info)) {
    const delta = backend.runWebGLProgram(new ProvenanceRefineProgram(setup.info, setup.glsl), [x, filter, aux], 'int32');
    const out = backend.runWebGLProgram(make(setup, true), [dy, x, filter, aux, delta], 'float32');
    backend.disposeIntermediateTensorInfo(delta);
    return out;
  }
  return backend.runWebGLProgram(make(setup, false), [dy, x, filter, aux], 'float32');
}
