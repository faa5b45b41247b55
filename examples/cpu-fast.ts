/*
 * The package's opt-in Node / cpu helpers in one runnable file:
 *
 *     npm run example:cpu-fast
 *
 * 1. registerFastCpuKernels (tfjs-semifield/cpu-fast): one training step of a small conv network on
 *    the cpu backend, timed with tfjs's own kernels and with the fast ones (median after warm-up,
 *    the package's timing helper), and the same weights after a few steps either way.
 * 2. fileSystemIO (tfjs-semifield/node): save the model to a folder without tfjs-node, load it back,
 *    and check the predictions are identical.
 * In an application, import from 'tfjs-semifield/cpu-fast', 'tfjs-semifield/node' and
 * 'tfjs-semifield/primitives' (timeAsync); this file imports the same code from the sources.
 */
import * as tf from '@tensorflow/tfjs';
import {mkdtemp, rm} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import '../index.js';
import {registerFastCpuKernels, unregisterFastCpuKernels} from '../src/entries/cpu-fast.js';
import {fileSystemIO} from '../src/entries/node.js';
import {layers} from '../src/entries/layers.js';
import {timeAsync} from '../src/util/timing.js';

await tf.setBackend('cpu');

function buildModel(): tf.LayersModel {
  const model = tf.sequential({
    layers: [
      tf.layers.conv2d({
        inputShape: [28, 28, 1],
        filters: 8,
        kernelSize: 3,
        activation: 'relu',
        kernelInitializer: tf.initializers.glorotUniform({seed: 1}),
      }),
      layers.semifieldPooling2d({poolSize: 2, semifield: 'maxplus', kernel: 'isotropic'}),
      tf.layers.conv2d({
        filters: 16,
        kernelSize: 3,
        activation: 'relu',
        kernelInitializer: tf.initializers.glorotUniform({seed: 2}),
      }),
      tf.layers.maxPooling2d({poolSize: 2}),
      tf.layers.flatten(),
      tf.layers.dense({units: 10, activation: 'softmax', kernelInitializer: tf.initializers.glorotUniform({seed: 3})}),
    ],
  });
  model.compile({optimizer: tf.train.sgd(0.05), loss: 'categoricalCrossentropy'});
  return model;
}

const xs = tf.randomUniform([32, 28, 28, 1], 0, 1, 'float32', 4);
const ys = tf.oneHot(tf.randomUniform([32], 0, 10, 'int32', 5) as tf.Tensor1D, 10);

async function trainStepMs(): Promise<{ms: number; weights: Float32Array[]}> {
  const model = buildModel();
  const timing = await timeAsync(() => model.trainOnBatch(xs, ys), {reps: 5, warmup: 1});
  const weights = model.getWeights().map((w) => w.dataSync() as Float32Array);
  model.dispose();
  return {ms: timing.medianMs, weights};
}

const plain = await trainStepMs();
registerFastCpuKernels();
const fast = await trainStepMs();
unregisterFastCpuKernels();
const maxDiff = Math.max(
  ...plain.weights.map((w, k) => Math.max(...w.map((v, i) => Math.abs(v - fast.weights[k][i])))),
);
console.log(`one training step, batch 32, cpu backend (median of 5 after 1 warm-up):`);
console.log(`  tfjs-backend-cpu kernels: ${plain.ms.toFixed(0)} ms`);
console.log(`  registerFastCpuKernels(): ${fast.ms.toFixed(0)} ms (${(plain.ms / fast.ms).toFixed(1)}× faster)`);
console.log(`  largest weight difference after 6 steps: ${maxDiff.toExponential(1)} (float32 rounding)`);

const model = buildModel();
const folder = await mkdtemp(join(tmpdir(), 'tfjs-semifield-model-'));
try {
  await model.save(fileSystemIO(folder));
  const loaded = await tf.loadLayersModel(fileSystemIO(folder));
  const same =
    tf
      .equal(model.predict(xs) as tf.Tensor, loaded.predict(xs) as tf.Tensor)
      .all()
      .dataSync()[0] === 1;
  console.log(
    `saved to ${folder} (model.json + weights.bin) and loaded back: predictions ${same ? 'identical' : 'DIFFER'}`,
  );
  if (!same) process.exitCode = 1;
} finally {
  await rm(folder, {recursive: true, force: true});
}
