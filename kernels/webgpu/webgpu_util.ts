import type {DataType, TensorInfo} from '@tensorflow/tfjs-core';
import type {SemifieldConvInfo} from '../../src/ops/conv_info.js';
export {kernelSetup} from '../../src/ops/kernel_setup.js';

/*
 * Shared plumbing of the fused WebGPU kernels. Everything here is type-only with respect to
 * @tensorflow/tfjs-backend-webgpu, so importing the package in Node without WebGPU never loads the
 * backend; the backend object tfjs hands a kernel is all the kernels need at run time.
 */

/**
 * The subset of tfjs-backend-webgpu's `WebGPUProgram` interface our programs fill in (declared
 * here, structurally identical, so no type depends on the backend's internal file layout).
 * makeShaderKey appends input/output ranks and dtypes to `shaderKey`, so the key only has to
 * carry what the generated source depends on beyond those.
 */
export interface WebGPUProgram {
  outputShape: number[];
  shaderKey: string;
  dispatchLayout: {x: number[]; y?: number[]; z?: number[]};
  dispatch: [number, number, number];
  variableNames: string[];
  uniforms?: string;
  workgroupSize: [number, number, number];
  size?: boolean;
  getUserCode(): string;
}

/** A program-defined uniform, as WebGPUBackend.runWebGPUProgram takes it. */
export interface ProgramUniform {
  type: 'int32' | 'float32' | 'uint32';
  data: number[];
}

/** The parts of tfjs's WebGPUBackend the kernels use (typed here to avoid a runtime import). */
export interface WebGPUBackendLike {
  runWebGPUProgram(
    program: WebGPUProgram,
    inputs: TensorInfo[],
    outputDtype: DataType,
    uniforms?: ProgramUniform[],
    output?: TensorInfo,
  ): TensorInfo;
  disposeData(dataId: object, force?: boolean): boolean;
  makeTensorInfo(shape: number[], dtype: DataType, values?: Float32Array | Int32Array): TensorInfo;
  /** tfjs's AdapterInfo (vendor, architecture) of the device the backend runs on. */
  adapterInfo?: {vendor?: string; architecture?: string};
}

/** Is the backend running on SwiftShader, i.e. a GPU emulated on the CPU? */
export function isSwiftShader(backend: WebGPUBackendLike): boolean {
  return /swiftshader/i.test(backend.adapterInfo?.architecture ?? '');
}

/**
 * Geometry uniforms shared by every program, in one fixed order so the WGSL struct fields and the
 * packed buffer agree (tfjs appends these after its own shape uniforms).
 */
export const geometryUniformDecl =
  'strides : vec2<i32>, dilations : vec2<i32>, pads : vec2<i32>, filterHW : vec2<i32>, cpg : i32, opg : i32, ';

export function geometryUniforms(info: SemifieldConvInfo): ProgramUniform[] {
  return [
    {type: 'int32', data: [info.strideHeight, info.strideWidth]},
    {type: 'int32', data: [info.dilationHeight, info.dilationWidth]},
    {type: 'int32', data: [info.padTop, info.padLeft]},
    {type: 'int32', data: [info.filterHeight, info.filterWidth]},
    {type: 'int32', data: [info.inChannelsPerGroup]},
    {type: 'int32', data: [info.outChannelsPerGroup]},
  ];
}

/**
 * The flat index of the current workgroup. tfjs reshapes a too-large 1-D dispatch into 2-D or 3-D
 * (reshapeDispatch), so programs that index by workgroup rather than by invocation use this.
 */
export const flatWorkgroupIndexSnippet = `
  fn flatWorkgroupIndex() -> i32 {
    return i32((workgroupId.z * numWorkgroups.y + workgroupId.y) * numWorkgroups.x + workgroupId.x);
  }
`;

export function ceilDiv(a: number, b: number): number {
  return Math.ceil(a / b);
}
