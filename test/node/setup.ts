// Mocha root hooks for the Node suite: every suite starts on the cpu backend (importing the wasm
// backend makes it the highest-priority backend, and it initialises asynchronously).
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';

export const mochaHooks = {
  async beforeAll() {
    if (!(await tf.setBackend('cpu'))) throw new Error('cpu backend failed to initialise');
  },
};
