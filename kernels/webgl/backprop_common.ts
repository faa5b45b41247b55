import type {TensorInfo} from '@tensorflow/tfjs-core';
import type {SemifieldBackpropInputs} from '../../src/ops/kernel_names.js';
import {ProvenanceRefineProgram} from './provenance_refine_gpu.js';
import {type GPGPUProgram, kernelSetup, type MathBackendWebGL, provenanceStoredExactly} from './webgl_util.js';

/**
 * Shared body of the two backward kernels: run the program `make` builds, first refining a rounded
 * half-float provenance when the window is too large for it to be stored exactly.
 */
export function runBackprop(
  backend: MathBackendWebGL,
  inputs: SemifieldBackpropInputs<TensorInfo>,
  attrs: unknown,
  make: (setup: ReturnType<typeof kernelSetup>, refined: boolean) => GPGPUProgram,
): TensorInfo {
  const {dy, x, filter} = inputs;
  // The programs read the provenance or y through one sampler, `aux`.
  const aux = (inputs.provenance ?? inputs.y)!;
  const setup = kernelSetup(attrs, x.shape, filter.shape);
  if (setup.sf.gradientRule === 'selection' && !provenanceStoredExactly(setup.info)) {
    const delta = backend.runWebGLProgram(
      new ProvenanceRefineProgram(setup.info, setup.glsl),
      [x, filter, aux],
      'int32',
    );
    const out = backend.runWebGLProgram(make(setup, true), [dy, x, filter, aux, delta], 'float32');
    backend.disposeIntermediateTensorInfo(delta);
    return out;
  }
  return backend.runWebGLProgram(make(setup, false), [dy, x, filter, aux], 'float32');
}
