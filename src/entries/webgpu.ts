// `tfjs-semifield/webgpu`: check tfjs-core, register the fused webgpu kernels only, expose the core API.
import '../tfjs_core_guard.js';
import '../layer_hints.js';
import '../../kernels/webgpu/register.js';

export * from '../index.js';
