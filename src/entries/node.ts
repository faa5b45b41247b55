// `tfjs-semifield/node`: Node-only helpers: WebGPU through Dawn (the `webgpu` native addon is
// loaded on demand) and saving / loading models to a directory without @tensorflow/tfjs-node.
// `tfjs-semifield/node-webgpu` is the same WebGPU helper under its older name.
import '../tfjs_core_guard.js';

export * from '../backends/index.js';
export {fileSystemIO, registerFileSystemRouter} from '../backends/node_file_io.js';
