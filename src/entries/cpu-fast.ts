// `tfjs-semifield/cpu-fast`: opt-in faster replacements for tfjs-backend-cpu's conv / matmul /
// pooling-gradient / elementwise kernels (registerFastCpuKernels), and the Conv2DBackpropFilter
// tfjs-backend-wasm lacks. Needs only @tensorflow/tfjs-core (plus the backend it patches); plain
// typed-array code, usable in Node and in browsers. Registers nothing until called.
import '../tfjs_core_guard.js';

export * from '../cpu_fast/index.js';
