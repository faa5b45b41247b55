// Entry of the script-tag bundle (dist/tfjs-semifield.min.js, global `tfSemifield`): everything,
// with @tensorflow/tfjs-core and @tensorflow/tfjs-layers read from the global `tf` of tf.min.js.
export * from '../../index.js';
export * from '../layers/index.js';
export * from '../primitives/index.js';
