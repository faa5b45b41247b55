import type {KernelConfig, KernelFunc, TensorInfo} from '@tensorflow/tfjs-core';
import type {SemifieldConvInfo} from '../../src/ops/conv_info.js';
import {SEMIFIELD_CONV2D_BACKPROP_FILTER_KERNEL} from '../../src/ops/kernel_names.js';
import type {Semifield} from '../../src/semifields/types.js';
import {
  FACTORISED_BACKWARD_FLAG,
  FACTORISED_FILTER_BLOCK_FLAG,
  FILTER_BLOCK_FLAG,
  FILTER_INVOCATIONS_FLAG,
  webgpuFlag,
  type WebGPUFlags,
} from './flags.js';
import {syntheticBackwardInputs} from './SemifieldConv2DBackpropInput.js';
import {SemifieldConv2DBackpropFilterFactorisedProgram} from './semifield_conv2d_backprop_filter_factorised_webgpu.js';
import {
  filterInvocationsFor,
  parallelSliceSum,
  SemifieldConv2DBackpropFilterSlicedProgram,
  SliceSumProgram,
} from './semifield_conv2d_backprop_filter_sliced_webgpu.js';
import {
  factorisedBackwardPossible,
  gradFactorLanes,
  runGradFactorPasses,
  useFactorisedBackward,
} from './semifield_conv2d_grad_scale_webgpu.js';
import {semifieldTag} from './semifield_wgsl.js';
import {tunedChoice, type TuningSpec} from './tuner.js';
import {isSwiftShader, kernelSetup, type WebGPUBackendLike} from './webgpu_util.js';

/*
 * dL/dfilter on WebGPU, deterministic without atomics: partial sums per (row slice, block of filter
 * entries) and then a sum over the slices in slice order
 * (semifield_conv2d_backprop_filter_sliced_webgpu.ts); log and root p ≥ 1 on layers with several
 * output channels per group can take the same layout with the factorised gradient
 * (semifield_conv2d_backprop_filter_factorised_webgpu.ts). The tuner picks the program, channel
 * blocks and slice count on hardware GPUs; the flags fix them.
 */

export type BackpropFilterChoice =
  | {program: 'perTerm'; block: number; invocations: number}
  | {program: 'factorised'; inBlock: number; outBlock: number; invocations: number};

export function backpropFilterChoiceLabel(c: BackpropFilterChoice): string {
  return c.program === 'perTerm'
    ? `perTerm ${c.block}×${c.block}, ${c.invocations} invocations`
    : `factorised ${c.inBlock}×${c.outBlock}, ${c.invocations} invocations`;
}

/** The SEMIFIELD_WEBGPU_* flags that force this choice (the dL/dfilter flags only). */
export function backpropFilterChoiceFlags(c: BackpropFilterChoice): WebGPUFlags {
  return c.program === 'perTerm'
    ? {
        SEMIFIELD_WEBGPU_FACTORISED_BACKWARD: 'never',
        SEMIFIELD_WEBGPU_FILTER_BLOCK: c.block,
        SEMIFIELD_WEBGPU_FILTER_INVOCATIONS: c.invocations,
      }
    : {
        SEMIFIELD_WEBGPU_FACTORISED_BACKWARD: 'always',
        SEMIFIELD_WEBGPU_FACTORISED_FILTER_BLOCK: `${c.inBlock}x${c.outBlock}`,
        SEMIFIELD_WEBGPU_FILTER_INVOCATIONS: c.invocations,
      };
}

/**
 * Fixed defaults: factorised 8 × 16 where useFactorisedBackward says so, else per-term blocks of
 * 4 × 4 on SwiftShader, 8 × 8 on hardware; invocation target 8192 on SwiftShader, 262144 on
 * hardware (filterInvocationsFor). Each was the fastest measured (docs/webgpu.md, "Measured decisions").
 */
export function backpropFilterChoices(
  sf: Semifield,
  info: SemifieldConvInfo,
  swiftShader: boolean,
): {fallback: BackpropFilterChoice; candidates: BackpropFilterChoice[]} {
  const blockFlag = webgpuFlag(FILTER_BLOCK_FLAG);
  const factorisedBlockFlag = webgpuFlag(FACTORISED_FILTER_BLOCK_FLAG);
  const invocationsFlag = webgpuFlag(FILTER_INVOCATIONS_FLAG);
  const factorisedFlag = webgpuFlag(FACTORISED_BACKWARD_FLAG);
  const invocationsDefault = filterInvocationsFor(swiftShader);
  const invocationOptions =
    invocationsFlag === 'auto'
      ? [invocationsDefault, ...[16384, 65536, 262144, 1048576].filter((n) => n !== invocationsDefault)]
      : [invocationsFlag];
  const perTermBlocks = blockFlag === 'auto' ? (swiftShader ? [4, 8] : [8, 4]) : [blockFlag];
  const factorisedBlocks: Array<[number, number]> =
    factorisedBlockFlag === 'auto'
      ? [
          [8, 16],
          [4, 8],
        ]
      : [factorisedBlockFlag.split('x').map(Number) as [number, number]];

  const fallback: BackpropFilterChoice = useFactorisedBackward(sf, info)
    ? {
        program: 'factorised',
        inBlock: factorisedBlocks[0][0],
        outBlock: factorisedBlocks[0][1],
        invocations: invocationsDefault,
      }
    : {program: 'perTerm', block: perTermBlocks[0], invocations: invocationsDefault};
  const candidates: BackpropFilterChoice[] = [];
  if (factorisedFlag !== 'always') {
    for (const block of perTermBlocks)
      for (const invocations of invocationOptions) candidates.push({program: 'perTerm', block, invocations});
  }
  if (factorisedFlag === 'always' || (factorisedFlag === 'auto' && factorisedBackwardPossible(sf, info))) {
    for (const [inBlock, outBlock] of factorisedBlocks)
      for (const invocations of invocationOptions)
        candidates.push({program: 'factorised', inBlock, outBlock, invocations});
  }
  if (!candidates.some((c) => backpropFilterChoiceLabel(c) === backpropFilterChoiceLabel(fallback)))
    candidates.unshift(fallback);
  return {fallback, candidates};
}

/** Invocation targets past B·OH slices per block give the same program: time each program once. */
export function distinctPrograms(
  sf: Semifield,
  info: SemifieldConvInfo,
  fallback: BackpropFilterChoice,
  candidates: BackpropFilterChoice[],
): BackpropFilterChoice[] {
  const seen = new Set([programSignature(sf, info, fallback)]);
  return [
    fallback,
    ...candidates.filter((c) => {
      const signature = programSignature(sf, info, c);
      if (seen.has(signature)) return false;
      seen.add(signature);
      return true;
    }),
  ];
}

function programSignature(sf: Semifield, info: SemifieldConvInfo, c: BackpropFilterChoice): string {
  const program =
    c.program === 'factorised'
      ? new SemifieldConv2DBackpropFilterFactorisedProgram(sf, info, c.inBlock, c.outBlock, c.invocations)
      : new SemifieldConv2DBackpropFilterSlicedProgram(sf, info, c.block, c.invocations);
  return `${program.shaderKey}|${program.outputShape}`;
}

export function runBackpropFilter(
  gpu: WebGPUBackendLike,
  sf: Semifield,
  info: SemifieldConvInfo,
  choice: BackpropFilterChoice,
  swiftShader: boolean,
  t: {dy: TensorInfo; provenanceOrY: TensorInfo; x: TensorInfo; filter: TensorInfo},
): TensorInfo {
  let partials: TensorInfo;
  if (choice.program === 'factorised') {
    const factors = runGradFactorPasses(
      gpu,
      sf,
      info,
      {dy: t.dy, y: t.provenanceOrY, x: t.x, filter: t.filter},
      'filter',
      gradFactorLanes(info, swiftShader),
    );
    const partial = new SemifieldConv2DBackpropFilterFactorisedProgram(
      sf,
      info,
      choice.inBlock,
      choice.outBlock,
      choice.invocations,
    );
    partials = gpu.runWebGPUProgram(
      partial,
      [t.dy, t.provenanceOrY, t.x, t.filter, factors.gradFactor, factors.wf],
      'float32',
      partial.uniformData,
    );
    factors.dispose();
  } else {
    const partial = new SemifieldConv2DBackpropFilterSlicedProgram(sf, info, choice.block, choice.invocations);
    const byName: Record<string, TensorInfo> = {dy: t.dy, aux: t.provenanceOrY, x: t.x, w: t.filter};
    partials = gpu.runWebGPUProgram(
      partial,
      partial.variableNames.map((n) => byName[n]),
      'float32',
      partial.uniformData,
    );
  }
  const parallel = parallelSliceSum(swiftShader, partials.shape[0]);
  const dw = gpu.runWebGPUProgram(new SliceSumProgram(info, parallel), [partials], 'float32');
  gpu.disposeData(partials.dataId);
  return dw;
}

export function backpropFilterTuningSpec(
  sf: Semifield,
  info: SemifieldConvInfo,
  swiftShader: boolean,
): TuningSpec<BackpropFilterChoice> {
  const choices = () => backpropFilterChoices(sf, info, swiftShader);
  return {
    key: `backpropFilter|${semifieldTag(sf)}|${JSON.stringify(info)}`,
    fallback: choices().fallback,
    candidates: () => {
      const {fallback, candidates} = choices();
      return distinctPrograms(sf, info, fallback, candidates);
    },
    label: backpropFilterChoiceLabel,
    makeInputs: (gpu) => {
      const t = syntheticBackwardInputs(gpu, sf, info, swiftShader);
      return {inputs: [t.dy, t.provenanceOrY, t.x, t.filter], dispose: t.dispose};
    },
    run: (gpu, choice, [dy, provenanceOrY, x, filter]) => [
      runBackpropFilter(gpu, sf, info, choice, swiftShader, {dy, provenanceOrY, x, filter}),
    ],
  };
}

export const semifieldConv2DBackpropFilterWebGPU: KernelFunc = ({inputs, backend, attrs}) => {
  const gpu = backend as unknown as WebGPUBackendLike;
  const {dy, x, filter} = inputs as Record<'dy' | 'x' | 'filter', TensorInfo>;
  const provenanceOrY = (inputs.provenance ?? inputs.y)!; // the provenance (selection) or y (invertible)
  const {sf, info} = kernelSetup(attrs, x.shape, filter.shape);
  const swiftShader = isSwiftShader(gpu);
  const choice = tunedChoice(gpu, backpropFilterTuningSpec(sf, info, swiftShader));
  return runBackpropFilter(gpu, sf, info, choice, swiftShader, {dy, provenanceOrY, x, filter});
};

export const semifieldConv2DBackpropFilterWebGPUConfig: KernelConfig = {
  kernelName: SEMIFIELD_CONV2D_BACKPROP_FILTER_KERNEL,
  backendName: 'webgpu',
  kernelFunc: semifieldConv2DBackpropFilterWebGPU,
};
