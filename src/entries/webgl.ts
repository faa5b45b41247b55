// `tfjs-semifield/webgl`: check tfjs-core, register the fused webgl kernels only, expose the core API.
import '../tfjs_core_guard.js';
import '../layer_hints.js';
import '../../kernels/webgl/register.js';

export * from '../index.js';
