import type {KernelConfig, KernelFunc, TensorInfo} from '@tensorflow/tfjs-core';
import type {SemifieldConvInfo} from '../../src/ops/conv_info.js';
import {SEMIFIELD_CONV2D_KERNEL} from '../../src/ops/kernel_names.js';
import type {Semifield} from '../../src/semifields/types.js';
import {
  FORWARD_CHANNELS_FLAG,
  FORWARD_PIXELS_FLAG,
  FORWARD_PROGRAM_FLAG,
  MM_TILE_FLAG,
  webgpuFlag,
  type WebGPUFlags,
} from './flags.js';
import {ChannelAnchorProgram} from './semifield_conv2d_grad_scale_webgpu.js';
import {ScaledFilterProgram, SemifieldConv2DFactorisedProgram} from './semifield_conv2d_factorised_webgpu.js';
import {
  defaultMMTile,
  MM_TILE_CANDIDATES,
  mmModeFor,
  mmTileFromKey,
  mmTileKey,
  SemifieldConv2DMMProgram,
  WindowAnchorProgram,
  type MMTile,
} from './semifield_conv2d_mm_webgpu.js';
import {
  channelsPerThreadFor,
  FACTORISED_MIN_CHANNELS,
  MM_MIN_CHANNELS,
  SelectedTermProgram,
  SemifieldConv2DDirectProgram,
} from './semifield_conv2d_webgpu.js';
import {factorisedSnippets, semifieldTag} from './semifield_wgsl.js';
import {syntheticValues, tunedChoice, type TuningSpec} from './tuner.js';
import {isSwiftShader, kernelSetup, type WebGPUBackendLike} from './webgpu_util.js';

/*
 * Fused forward pass on WebGPU. Three programs: the implicit GEMM (semifield_conv2d_mm_webgpu.ts),
 * the direct loop (semifield_conv2d_webgpu.ts) and, for log / root p > 0, the factorised loop after
 * a pass over the filter (semifield_conv2d_factorised_webgpu.ts). forwardChoices lists the ones a
 * call may run and the fixed default; the tuner (tuner.ts) picks among them on hardware GPUs, and
 * the SEMIFIELD_WEBGPU_* flags (flags.ts) fix any part of the choice. Selection semifields get
 * [y, provenance]: the program writes the provenance and a second, O(1)-per-output program
 * evaluates the selected term, since a tfjs WebGPU program has one output binding; outside a
 * gradient tape (attr provenance: false) they get [y] straight from the main program.
 */

/** One way to run the forward pass. */
export type ForwardChoice =
  | {program: 'mm'; tile: MMTile}
  | {program: 'direct'; pixels: number}
  | {program: 'factorised'; pixels: number; channels: number};

export function forwardChoiceLabel(c: ForwardChoice): string {
  if (c.program === 'mm') return `mm ${mmTileKey(c.tile)}`;
  if (c.program === 'direct') return `direct ${c.pixels} px`;
  return `factorised ${c.pixels} px × ${c.channels} ch`;
}

/** The SEMIFIELD_WEBGPU_* flags that force this choice (e.g. to pin a tuned winner). */
export function forwardChoiceFlags(c: ForwardChoice): WebGPUFlags {
  if (c.program === 'mm') return {SEMIFIELD_WEBGPU_FORWARD_PROGRAM: 'mm', SEMIFIELD_WEBGPU_MM_TILE: mmTileKey(c.tile)};
  if (c.program === 'direct')
    return {SEMIFIELD_WEBGPU_FORWARD_PROGRAM: 'direct', SEMIFIELD_WEBGPU_FORWARD_PIXELS: c.pixels};
  return {
    SEMIFIELD_WEBGPU_FORWARD_PROGRAM: 'factorised',
    SEMIFIELD_WEBGPU_FORWARD_PIXELS: c.pixels,
    SEMIFIELD_WEBGPU_FORWARD_CHANNELS: c.channels,
  };
}

/**
 * The fixed default and the tuner's candidates for a call, restricted by the flags. Defaults: on a
 * hardware GPU the implicit GEMM for semifields with a GEMM form when groups have ≥ MM_MIN_CHANNELS
 * output channels (measured on an H200 against the direct and the old tiled programs on every full
 * convolution: BENCHMARKS.md, "WebGPU on an NVIDIA H200"); on SwiftShader the factorised program for
 * log / root p > 0 with ≥ FACTORISED_MIN_CHANNELS output channels per group; otherwise direct.
 */
export function forwardChoices(
  sf: Semifield,
  info: SemifieldConvInfo,
  swiftShader: boolean,
): {fallback: ForwardChoice; candidates: ForwardChoice[]} {
  const opg = info.outChannelsPerGroup;
  const hasMM = mmModeFor(sf) != null;
  const factorisable = factorisedSnippets(sf) != null;
  const programFlag = webgpuFlag(FORWARD_PROGRAM_FLAG);
  const tileFlag = webgpuFlag(MM_TILE_FLAG);
  const pixelsFlag = webgpuFlag(FORWARD_PIXELS_FLAG);
  const channelsFlag = webgpuFlag(FORWARD_CHANNELS_FLAG);
  const forcedTile = tileFlag === 'auto' ? null : mmTileFromKey(tileFlag, MM_TILE_FLAG);

  const mmTiles = forcedTile ? [forcedTile] : mmTilesFor(opg);
  const directPixels = pixelsFlag === 'auto' ? [4, 8] : [pixelsFlag];
  const factorisedPixels = pixelsFlag === 'auto' ? [4, 8] : [pixelsFlag];
  const factorisedChannels = channelsPerThreadFor(channelsFlag === 'auto' ? 16 : channelsFlag, opg);
  const mm = mmTiles.map((tile): ForwardChoice => ({program: 'mm', tile}));
  const direct = directPixels.map((pixels): ForwardChoice => ({program: 'direct', pixels}));
  const factorised = factorisedPixels.map((pixels): ForwardChoice => ({
    program: 'factorised',
    pixels,
    channels: factorisedChannels,
  }));

  const defaultDirect: ForwardChoice = {
    program: 'direct',
    pixels: pixelsFlag === 'auto' ? (info.outWidth >= 16 ? 8 : 4) : pixelsFlag,
  };
  // Factorised 'auto' = 4 px × 16 channels on SwiftShader: the fastest block whose pipeline compiles
  // in reasonable time there (docs/webgpu.md, "Measured decisions").
  const defaultFactorised: ForwardChoice = {
    program: 'factorised',
    pixels: pixelsFlag === 'auto' ? 4 : pixelsFlag,
    channels: factorisedChannels,
  };
  const defaultMM: ForwardChoice = {program: 'mm', tile: forcedTile ?? defaultMMTile(opg)};

  if (programFlag === 'mm' && hasMM) return {fallback: defaultMM, candidates: mm};
  if (programFlag === 'factorised' && factorisable) return {fallback: defaultFactorised, candidates: factorised};
  if (programFlag !== 'auto') return {fallback: defaultDirect, candidates: direct};

  const candidates = [...direct];
  if (hasMM && opg >= 2) candidates.push(...mm);
  if (factorisable && opg >= FACTORISED_MIN_CHANNELS) candidates.push(...factorised);
  let fallback: ForwardChoice = defaultDirect;
  if (!swiftShader && hasMM && opg >= MM_MIN_CHANNELS) fallback = defaultMM;
  else if (factorisable && opg >= FACTORISED_MIN_CHANNELS) fallback = defaultFactorised;
  if (!candidates.some((c) => forwardChoiceLabel(c) === forwardChoiceLabel(fallback))) candidates.unshift(fallback);
  return {fallback, candidates};
}

/**
 * The tiles worth timing for a group of `opg` output channels: tiles as wide as the group (rounded
 * up to a power of two) or narrower down to 16 channels — a wider tile only computes lanes that are
 * thrown away.
 */
function mmTilesFor(opg: number): MMTile[] {
  let width = 8;
  while (width < opg && width < 128) width *= 2;
  return MM_TILE_CANDIDATES.filter((t) => t.tn <= width && t.tn >= Math.min(width, 16));
}

/** Run one forward choice: [y], or [y, provenance] for selection semifields that need it. */
export function runForward(
  gpu: WebGPUBackendLike,
  sf: Semifield,
  info: SemifieldConvInfo,
  choice: ForwardChoice,
  x: TensorInfo,
  filter: TensorInfo,
  valueOnly: boolean,
): TensorInfo[] {
  if (choice.program === 'mm') {
    const mm = new SemifieldConv2DMMProgram(sf, info, choice.tile, valueOnly);
    if (mm.mode === 'factorised') {
      const factors = gpu.runWebGPUProgram(new ScaledFilterProgram(sf, info), [filter], 'float32');
      const channelProgram = new ChannelAnchorProgram(sf, info);
      const channelAnchors = gpu.runWebGPUProgram(channelProgram, [x], 'float32', channelProgram.uniformData);
      const anchorProgram = new WindowAnchorProgram(sf, info);
      const anchors = gpu.runWebGPUProgram(anchorProgram, [channelAnchors], 'float32', anchorProgram.uniformData);
      gpu.disposeData(channelAnchors.dataId);
      const y = gpu.runWebGPUProgram(mm, [x, filter, factors, anchors], 'float32', mm.uniformData);
      gpu.disposeData(factors.dataId);
      gpu.disposeData(anchors.dataId);
      return [y];
    }
    if (mm.mode === 'select') return selectionOutputs(gpu, sf, info, mm, x, filter, valueOnly);
    return [gpu.runWebGPUProgram(mm, [x, filter], 'float32', mm.uniformData)];
  }
  if (choice.program === 'factorised') {
    // Filter factors and anchors first (a small pass over the filter), then the convolution.
    const factors = gpu.runWebGPUProgram(new ScaledFilterProgram(sf, info), [filter], 'float32');
    const conv = new SemifieldConv2DFactorisedProgram(sf, info, choice.pixels, choice.channels);
    const y = gpu.runWebGPUProgram(conv, [x, filter, factors], 'float32', conv.uniformData);
    gpu.disposeData(factors.dataId);
    return [y];
  }
  const program = new SemifieldConv2DDirectProgram(sf, info, choice.pixels, valueOnly);
  if (sf.gradientRule === 'selection') return selectionOutputs(gpu, sf, info, program, x, filter, valueOnly);
  return [gpu.runWebGPUProgram(program, [x, filter], 'float32', program.uniformData)];
}

function selectionOutputs(
  gpu: WebGPUBackendLike,
  sf: Semifield,
  info: SemifieldConvInfo,
  program: SemifieldConv2DMMProgram | SemifieldConv2DDirectProgram,
  x: TensorInfo,
  filter: TensorInfo,
  valueOnly: boolean,
): TensorInfo[] {
  if (valueOnly) return [gpu.runWebGPUProgram(program, [x, filter], 'float32', program.uniformData)];
  const provenance = gpu.runWebGPUProgram(program, [x, filter], 'int32', program.uniformData);
  const selected = new SelectedTermProgram(sf, info);
  const y = gpu.runWebGPUProgram(selected, [x, filter, provenance], 'float32', selected.uniformData);
  return [y, provenance];
}

/** Synthetic x and filter of a call's shapes (tuning inputs), positive so every semifield is defined. */
export function syntheticConvInputs(
  gpu: WebGPUBackendLike,
  info: SemifieldConvInfo,
): {x: TensorInfo; filter: TensorInfo; dispose(): void} {
  const xShape = [info.batch, info.inHeight, info.inWidth, info.inChannels];
  const fShape = [info.filterHeight, info.filterWidth, info.inChannelsPerGroup, info.outChannels];
  const size = (s: number[]) => s.reduce((a, b) => a * b, 1);
  const x = gpu.makeTensorInfo(xShape, 'float32', syntheticValues(size(xShape), 0.1, 1.1, 1));
  const filter = gpu.makeTensorInfo(fShape, 'float32', syntheticValues(size(fShape), 0.1, 1.1, 2));
  return {x, filter, dispose: () => [x, filter].forEach((t) => gpu.disposeData(t.dataId))};
}

/** The tuning spec of one forward call (tuner.ts). */
export function forwardTuningSpec(
  sf: Semifield,
  info: SemifieldConvInfo,
  swiftShader: boolean,
  valueOnly: boolean,
): TuningSpec<ForwardChoice> {
  const choices = () => forwardChoices(sf, info, swiftShader);
  return {
    key: `forward|${semifieldTag(sf)}|${valueOnly ? 'value' : 'provenance'}|${JSON.stringify(info)}`,
    fallback: choices().fallback,
    candidates: () => choices().candidates,
    label: forwardChoiceLabel,
    makeInputs: (gpu) => {
      const t = syntheticConvInputs(gpu, info);
      return {inputs: [t.x, t.filter], dispose: t.dispose};
    },
    run: (gpu, choice, [x, filter]) => runForward(gpu, sf, info, choice, x, filter, valueOnly),
  };
}

export const semifieldConv2DWebGPU: KernelFunc = ({inputs, backend, attrs}) => {
  const gpu = backend as unknown as WebGPUBackendLike;
  const {x, filter} = inputs as {x: TensorInfo; filter: TensorInfo};
  const {sf, info} = kernelSetup(attrs, x.shape, filter.shape);
  // Selection semifields outside a gradient tape: y alone, straight from the main program.
  const valueOnly = sf.gradientRule === 'selection' && (attrs as {provenance?: boolean}).provenance === false;
  const choice = tunedChoice(gpu, forwardTuningSpec(sf, info, isSwiftShader(gpu), valueOnly));
  return runForward(gpu, sf, info, choice, x, filter, valueOnly);
};

export const semifieldConv2DWebGPUConfig: KernelConfig = {
  kernelName: SEMIFIELD_CONV2D_KERNEL,
  backendName: 'webgpu',
  kernelFunc: semifieldConv2DWebGPU,
};
