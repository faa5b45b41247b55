import type {TensorInfo} from '@tensorflow/tfjs-core';
import {infoFromAttrs, type SemifieldConvAttrs, type SemifieldConvInfo} from '../../src/ops/conv_info.js';
import {semifieldFromKey} from '../../src/semifields/registry.js';
import type {Semifield} from '../../src/semifields/types.js';

/** The parts of tfjs's MathBackendCPU the kernels use (typed here to avoid a hard import). */
export interface CpuBackendLike {
  data: {get(dataId: object): {values: unknown}};
  makeTensorInfo(shape: number[], dtype: 'float32' | 'int32', values: Float32Array | Int32Array): TensorInfo;
}

export function values(backend: CpuBackendLike, t: TensorInfo): Float32Array | Int32Array {
  return backend.data.get(t.dataId).values as Float32Array | Int32Array;
}

export function kernelSetup(
  attrs: unknown,
  xShape: number[],
  filterShape: number[],
): {sf: Semifield; info: SemifieldConvInfo} {
  const a = attrs as SemifieldConvAttrs;
  return {sf: semifieldFromKey(a.semifield), info: infoFromAttrs(xShape, filterShape, a)};
}

/** Decoded provenance: filter tap (di, dj) and channel-in-group c of the flat index k. */
export function decodeProvenance(k: number, info: SemifieldConvInfo): [number, number, number] {
  const c = k % info.inChannelsPerGroup;
  const tap = (k - c) / info.inChannelsPerGroup;
  const dj = tap % info.filterWidth;
  return [(tap - dj) / info.filterWidth, dj, c];
}
