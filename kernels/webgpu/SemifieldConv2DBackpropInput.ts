import type {KernelConfig, KernelFunc, TensorInfo} from '@tensorflow/tfjs-core';
import type {SemifieldConvInfo} from '../../src/ops/conv_info.js';
import {SEMIFIELD_CONV2D_BACKPROP_INPUT_KERNEL} from '../../src/ops/kernel_names.js';
import type {Semifield} from '../../src/semifields/types.js';
import {BACKPROP_INPUT_PIXELS_FLAG, FACTORISED_BACKWARD_FLAG, webgpuFlag, type WebGPUFlags} from './flags.js';
import {forwardChoices, runForward, syntheticConvInputs} from './SemifieldConv2D.js';
import {SemifieldConv2DBackpropInputFactorisedProgram} from './semifield_conv2d_backprop_input_factorised_webgpu.js';
import {SemifieldConv2DBackpropInputProgram} from './semifield_conv2d_backprop_input_webgpu.js';
import {
  factorisedBackwardPossible,
  gradFactorLanes,
  runGradFactorPasses,
  useFactorisedBackward,
} from './semifield_conv2d_grad_scale_webgpu.js';
import {semifieldTag} from './semifield_wgsl.js';
import {syntheticValues, tunedChoice, type TuningSpec} from './tuner.js';
import {isSwiftShader, kernelSetup, type WebGPUBackendLike} from './webgpu_util.js';

/*
 * dL/dx on WebGPU: a deterministic gather over the outputs each input pixel feeds
 * (semifield_conv2d_backprop_input_webgpu.ts); provenanceOrY is the provenance (selection) or y (invertible).
 * Log and root p ≥ 1 on layers with several output channels per group can run the same gather with
 * the factorised gradient (semifield_conv2d_backprop_input_factorised_webgpu.ts). The tuner picks
 * the program and pixels per invocation on hardware GPUs; the flags fix them.
 */

export interface BackpropInputChoice {
  program: 'perTerm' | 'factorised';
  /** Input pixels per invocation. */
  pixels: number;
}

export function backpropInputChoiceLabel(c: BackpropInputChoice): string {
  return `${c.program} ${c.pixels} px`;
}

/** The SEMIFIELD_WEBGPU_* flags that force this choice. */
export function backpropInputChoiceFlags(c: BackpropInputChoice): WebGPUFlags {
  return {
    SEMIFIELD_WEBGPU_FACTORISED_BACKWARD: c.program === 'factorised' ? 'always' : 'never',
    SEMIFIELD_WEBGPU_BACKPROP_INPUT_PIXELS: c.pixels,
  };
}

/**
 * Fixed defaults: factorised at 16 px where useFactorisedBackward says so (16 pixels share each
 * filter-factor read). Per-term: 4 px on SwiftShader; on hardware 4 px for selection semifields and
 * 16 px for the others. Each was the fastest measured (docs/webgpu.md, "Measured decisions").
 */
export function backpropInputChoices(
  sf: Semifield,
  info: SemifieldConvInfo,
  swiftShader: boolean,
): {fallback: BackpropInputChoice; candidates: BackpropInputChoice[]} {
  const pixelsFlag = webgpuFlag(BACKPROP_INPUT_PIXELS_FLAG);
  const factorisedFlag = webgpuFlag(FACTORISED_BACKWARD_FLAG);
  const factorisedDefault = useFactorisedBackward(sf, info);
  const fallback: BackpropInputChoice = factorisedDefault
    ? {program: 'factorised', pixels: pixelsFlag === 'auto' ? 16 : pixelsFlag}
    : {
        program: 'perTerm',
        pixels: pixelsFlag === 'auto' ? (swiftShader || sf.gradientRule === 'selection' ? 4 : 16) : pixelsFlag,
      };
  const candidates: BackpropInputChoice[] = [];
  if (factorisedFlag !== 'always') {
    for (const pixels of pixelsFlag === 'auto' ? [4, 8, 16] : [pixelsFlag])
      candidates.push({program: 'perTerm', pixels});
  }
  if (factorisedFlag === 'always' || (factorisedFlag === 'auto' && factorisedBackwardPossible(sf, info))) {
    for (const pixels of pixelsFlag === 'auto' ? [8, 16] : [pixelsFlag])
      candidates.push({program: 'factorised', pixels});
  }
  if (!candidates.some((c) => backpropInputChoiceLabel(c) === backpropInputChoiceLabel(fallback)))
    candidates.unshift(fallback);
  return {fallback, candidates};
}

export function runBackpropInput(
  gpu: WebGPUBackendLike,
  sf: Semifield,
  info: SemifieldConvInfo,
  choice: BackpropInputChoice,
  swiftShader: boolean,
  t: {dy: TensorInfo; provenanceOrY: TensorInfo; x: TensorInfo; filter: TensorInfo},
): TensorInfo {
  if (choice.program === 'factorised') {
    const factors = runGradFactorPasses(
      gpu,
      sf,
      info,
      {dy: t.dy, y: t.provenanceOrY, x: t.x, filter: t.filter},
      'input',
      gradFactorLanes(info, swiftShader),
    );
    const program = new SemifieldConv2DBackpropInputFactorisedProgram(sf, info, choice.pixels);
    const dx = gpu.runWebGPUProgram(
      program,
      [t.dy, t.provenanceOrY, t.x, t.filter, factors.gradFactor, factors.wf],
      'float32',
      program.uniformData,
    );
    factors.dispose();
    return dx;
  }
  const program = new SemifieldConv2DBackpropInputProgram(sf, info, choice.pixels);
  const byName: Record<string, TensorInfo> = {dy: t.dy, aux: t.provenanceOrY, x: t.x, w: t.filter};
  return gpu.runWebGPUProgram(
    program,
    program.variableNames.map((n) => byName[n]),
    'float32',
    program.uniformData,
  );
}

/**
 * Synthetic inputs of a backward call: x, filter, the forward's provenanceOrY (provenance or y, from the
 * forward's fixed default) and dy.
 */
export function syntheticBackwardInputs(
  gpu: WebGPUBackendLike,
  sf: Semifield,
  info: SemifieldConvInfo,
  swiftShader: boolean,
): {dy: TensorInfo; provenanceOrY: TensorInfo; x: TensorInfo; filter: TensorInfo; dispose(): void} {
  const {x, filter, dispose} = syntheticConvInputs(gpu, info);
  const outputs = runForward(gpu, sf, info, forwardChoices(sf, info, swiftShader).fallback, x, filter, false);
  const provenanceOrY = outputs[outputs.length - 1];
  for (const o of outputs) if (o !== provenanceOrY) gpu.disposeData(o.dataId);
  const dyShape = [info.batch, info.outHeight, info.outWidth, info.outChannels];
  const dy = gpu.makeTensorInfo(
    dyShape,
    'float32',
    syntheticValues(
      dyShape.reduce((a, b) => a * b, 1),
      -1,
      1,
      3,
    ),
  );
  return {
    dy,
    provenanceOrY,
    x,
    filter,
    dispose: () => {
      dispose();
      gpu.disposeData(provenanceOrY.dataId);
      gpu.disposeData(dy.dataId);
    },
  };
}

export function backpropInputTuningSpec(
  sf: Semifield,
  info: SemifieldConvInfo,
  swiftShader: boolean,
): TuningSpec<BackpropInputChoice> {
  const choices = () => backpropInputChoices(sf, info, swiftShader);
  return {
    key: `backpropInput|${semifieldTag(sf)}|${JSON.stringify(info)}`,
    fallback: choices().fallback,
    candidates: () => choices().candidates,
    label: backpropInputChoiceLabel,
    makeInputs: (gpu) => {
      const t = syntheticBackwardInputs(gpu, sf, info, swiftShader);
      return {inputs: [t.dy, t.provenanceOrY, t.x, t.filter], dispose: t.dispose};
    },
    run: (gpu, choice, [dy, provenanceOrY, x, filter]) => [
      runBackpropInput(gpu, sf, info, choice, swiftShader, {dy, provenanceOrY, x, filter}),
    ],
  };
}

export const semifieldConv2DBackpropInputWebGPU: KernelFunc = ({inputs, backend, attrs}) => {
  const gpu = backend as unknown as WebGPUBackendLike;
  const {dy, x, filter} = inputs as Record<'dy' | 'x' | 'filter', TensorInfo>;
  const provenanceOrY = (inputs.provenance ?? inputs.y)!; // the provenance (selection) or y (invertible)
  const {sf, info} = kernelSetup(attrs, x.shape, filter.shape);
  const swiftShader = isSwiftShader(gpu);
  const choice = tunedChoice(gpu, backpropInputTuningSpec(sf, info, swiftShader));
  return runBackpropInput(gpu, sf, info, choice, swiftShader, {dy, provenanceOrY, x, filter});
};

export const semifieldConv2DBackpropInputWebGPUConfig: KernelConfig = {
  kernelName: SEMIFIELD_CONV2D_BACKPROP_INPUT_KERNEL,
  backendName: 'webgpu',
  kernelFunc: semifieldConv2DBackpropInputWebGPU,
};
