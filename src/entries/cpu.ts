// `tfjs-semifield/cpu`: check tfjs-core, register the fused cpu kernels only, expose the core API.
import '../tfjs_core_guard.js';
import '../layer_hints.js';
import '../../kernels/cpu/register.js';

export * from '../index.js';
