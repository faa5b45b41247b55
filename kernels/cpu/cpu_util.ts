import type {TensorInfo} from '@tensorflow/tfjs-core';
import type {SemifieldConvInfo} from '../../src/ops/conv_info.js';
export {kernelSetup} from '../../src/ops/kernel_setup.js';

/** The parts of tfjs's MathBackendCPU the kernels use (typed here to avoid a hard import). */
export interface CpuBackendLike {
  data: {get(dataId: object): {values: unknown}};
  makeTensorInfo(shape: number[], dtype: 'float32' | 'int32', values: Float32Array | Int32Array): TensorInfo;
}

export function values(backend: CpuBackendLike, t: TensorInfo): Float32Array | Int32Array {
  return backend.data.get(t.dataId).values as Float32Array | Int32Array;
}

/**
 * The input entry of the term a selection output picked, as a function of the output n (flat NHWC
 * index) and its provenance k ≥ 0: the flat index into x. (Its filter entry is k·Cout + n mod Cout.)
 */
export function selectedInputOf(info: SemifieldConvInfo): (n: number, k: number) => number {
  const {inHeight: H, inWidth: W, inChannels: Cin, outHeight: OH, outWidth: OW, outChannels: Cout} = info;
  const {inChannelsPerGroup: cpg, outChannelsPerGroup: opg, filterWidth: kw} = info;
  const {strideHeight: sh, strideWidth: sw, dilationHeight: dh, dilationWidth: dw, padTop: top, padLeft: left} = info;
  return (n, k) => {
    const o = n % Cout;
    const pix = (n - o) / Cout;
    const j = pix % OW;
    const i = ((pix - j) / OW) % OH;
    const b = (pix - j - i * OW) / (OW * OH);
    const c = k % cpg;
    const tap = (k - c) / cpg;
    const dj = tap % kw;
    const di = (tap - dj) / kw;
    return ((b * H + i * sh + di * dh - top) * W + j * sw + dj * dw - left) * Cin + ((o - (o % opg)) / opg) * cpg + c;
  };
}
