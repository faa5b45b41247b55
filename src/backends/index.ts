// Entry of the `tfjs-semifield/node-webgpu` subpath (Node only: it loads the `webgpu` native addon
// on demand). Kept out of the package root so browser bundles never resolve `webgpu`.
export {initNodeWebGPU, findSwiftShaderIcd, swiftShaderIcdCandidates} from './node_webgpu.js';
export type {InitNodeWebGPUOptions, NodeWebGPUInfo} from './node_webgpu.js';
