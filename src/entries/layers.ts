// `tfjs-semifield/layers`: the tf.layers classes (registered for serialization on import) and the
// `layers` factories. Needs @tensorflow/tfjs-layers (or the @tensorflow/tfjs umbrella). Registers no
// kernel: import `tfjs-semifield` (every backend) or one of `tfjs-semifield/cpu|webgl|webgpu` too,
// otherwise the layers run on the composite path.
import '../tfjs_core_guard.js';

export * from '../layers/index.js';
