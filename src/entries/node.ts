// `tfjs-semifield/node`: Node-only helpers (the `webgpu` native addon is loaded on demand).
// `tfjs-semifield/node-webgpu` is the same WebGPU helper under its older name.
import '../tfjs_core_guard.js';

export * from '../backends/index.js';
