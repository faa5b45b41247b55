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

/**
 * The in-image taps of one output pixel's window, in scan order (di, dj): for each, the offset of
 * the input pixel (its channel 0) and the flat filter index of the tap's channel 0,
 * kBase = (di·kw + dj)·Cin/groups. Out-of-image taps are skipped (docs/design.md §3).
 */
export interface WindowTaps {
  count: number;
  xOffset: Int32Array;
  kBase: Int32Array;
}

/** Scratch for {@link gatherWindowTaps}, sized for a whole window; reuse it for every pixel. */
export function makeWindowTaps(info: SemifieldConvInfo): WindowTaps {
  const size = info.filterHeight * info.filterWidth;
  return {count: 0, xOffset: new Int32Array(size), kBase: new Int32Array(size)};
}

/**
 * Fills `taps` with the in-image taps of output pixel (b, i, j) and returns their count: the window
 * iteration of the backward kernels and the log kernels, whose work per tap hides its cost. The
 * forward selection and online-sum loops keep theirs written out: there a depthwise tap is one
 * compare, and gathering first measured slower (docs/benchmarks-history.md, issue 17).
 */
export function gatherWindowTaps(info: SemifieldConvInfo, b: number, i: number, j: number, taps: WindowTaps): number {
  const {inHeight: H, inWidth: W, inChannels: Cin, filterHeight: kh, filterWidth: kw, inChannelsPerGroup: cpg} = info;
  const ih0 = i * info.strideHeight - info.padTop;
  const iw0 = j * info.strideWidth - info.padLeft;
  const dh = info.dilationHeight;
  const dw = info.dilationWidth;
  let n = 0;
  for (let di = 0; di < kh; di++) {
    const ih = ih0 + di * dh;
    if (ih < 0 || ih >= H) continue;
    const rowOffset = (b * H + ih) * W;
    for (let dj = 0; dj < kw; dj++) {
      const iw = iw0 + dj * dw;
      if (iw < 0 || iw >= W) continue;
      taps.xOffset[n] = (rowOffset + iw) * Cin;
      taps.kBase[n] = (di * kw + dj) * cpg;
      n++;
    }
  }
  taps.count = n;
  return n;
}
