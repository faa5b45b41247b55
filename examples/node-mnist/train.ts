/*
 * Training loop shared by the variants: model.fit one epoch at a time on a seeded reshuffle of
 * the training set (tfjs's own shuffle uses Math.random, which would make runs unrepeatable),
 * progress events per batch (drawn by progress.ts, possibly in another process), and wall-clock
 * time per epoch.
 */
import * as tf from '@tensorflow/tfjs';
import type {MnistSplit} from './data.js';
import {permutation, seededRandom, shiftDigits} from './data.js';

export interface TrainOptions {
  epochs: number;
  batchSize: number;
  learningRate: number;
  /** The learning rate is multiplied by this after every epoch. */
  learningRateDecay: number;
  /** Random translation of every training digit by up to this many pixels, re-drawn each epoch (0: off). */
  augmentShift: number;
  seed: number;
  /**
   * Measure test accuracy after every epoch, not only after the last (the pooling study plots the
   * curve). Costs one forward pass over the test set per epoch, outside the timed part.
   */
  evaluateEachEpoch?: boolean;
  /** Images per model.fit call (rounded down to whole batches; default maxChunkImages). */
  chunkImages?: number;
  /** Called at the start and end of every epoch and after every batch. */
  onProgress?: (event: TrainEvent) => void;
}

/** Progress of one variant's training; plain data, so it can be posted between processes. */
export type TrainEvent =
  | {kind: 'epoch-start'; epoch: number; epochs: number; batches: number}
  | {kind: 'batch'; epoch: number; seen: number; loss: number; acc: number}
  | {kind: 'epoch-end'; epoch: number; epochs: number; seconds: number; loss: number; acc: number; testAcc?: number};

export interface TrainResult {
  secondsPerEpoch: number[];
  finalLoss: number;
  testAccuracy: number;
  /** Test accuracy after each epoch (evaluateEachEpoch), else only the final one. */
  testAccuracyPerEpoch: number[];
  /** Training accuracy (mean over the epoch's batches, as model.fit logs it) per epoch. */
  trainAccuracyPerEpoch: number[];
}

/** Images per model.fit call: 32,768 × 784 float32 ≈ 103 MB, under WebGPU's default 128 MiB binding limit. */
export const maxChunkImages = 32768;

export async function trainAndEvaluate(
  model: tf.LayersModel,
  data: MnistSplit,
  options: TrainOptions,
): Promise<TrainResult> {
  const optimizer = tf.train.adam(options.learningRate);
  model.compile({optimizer, loss: 'categoricalCrossentropy', metrics: ['accuracy']});
  const n = data.trainImages.shape[0];
  const batches = Math.ceil(n / options.batchSize);
  const random = seededRandom(options.seed);
  // The training set is shuffled (and shifted) on the CPU and handed to model.fit in chunks of whole
  // batches, each under 128 MiB: WebGPU's default maxStorageBufferBindingSize. Full Fashion-MNIST
  // (60,000 × 784 float32 = 188 MB) as one tensor would be bound whole by the gather and slice
  // programs on webgpu. Chunks of whole batches give exactly the batches one fit over the whole
  // set would (only the last batch of the epoch can be short), so results do not change.
  // Asynchronous reads: webgpu in Node cannot read synchronously.
  const trainX = (await data.trainImages.data()) as Float32Array;
  const trainY = (await data.trainLabels.data()) as Float32Array;
  const pixels = trainX.length / n;
  const classes = trainY.length / n;
  const chunkSize =
    options.batchSize * Math.max(1, Math.floor((options.chunkImages ?? maxChunkImages) / options.batchSize));
  const secondsPerEpoch: number[] = [];
  const testAccuracyPerEpoch: number[] = [];
  const trainAccuracyPerEpoch: number[] = [];
  let finalLoss = NaN;
  for (let epoch = 0; epoch < options.epochs; epoch++) {
    // Exponential decay per epoch; AdamOptimizer reads its learningRate field on every step.
    (optimizer as unknown as {learningRate: number}).learningRate =
      options.learningRate * options.learningRateDecay ** epoch;
    const order = permutation(n, random);
    let x: Float32Array = new Float32Array(n * pixels);
    const y = new Float32Array(n * classes);
    for (let i = 0; i < n; i++) {
      x.set(trainX.subarray(order[i] * pixels, (order[i] + 1) * pixels), i * pixels);
      y.set(trainY.subarray(order[i] * classes, (order[i] + 1) * classes), i * classes);
    }
    if (options.augmentShift > 0) x = shiftDigits(x, options.augmentShift, random);
    const chunks: {xs: tf.Tensor4D; ys: tf.Tensor2D; size: number}[] = [];
    for (let from = 0; from < n; from += chunkSize) {
      const size = Math.min(chunkSize, n - from);
      chunks.push({
        xs: tf.tensor4d(x.subarray(from * pixels, (from + size) * pixels), [size, 28, 28, 1]),
        ys: tf.tensor2d(y.subarray(from * classes, (from + size) * classes), [size, classes]),
        size,
      });
    }
    options.onProgress?.({kind: 'epoch-start', epoch, epochs: options.epochs, batches});
    const start = performance.now();
    let seen = 0;
    let lossSum = 0;
    let accSum = 0;
    // model.fit's epoch loss / accuracy are sample-weighted means over batches: combine chunks alike.
    let epochLoss = 0;
    let epochAcc = 0;
    for (const chunk of chunks) {
      const history = await model.fit(chunk.xs, chunk.ys, {
        epochs: 1,
        batchSize: options.batchSize,
        shuffle: false,
        verbose: 0,
        callbacks: {
          onBatchEnd: async (_batch, logs) => {
            seen++;
            lossSum += logs?.loss ?? 0;
            accSum += logs?.acc ?? 0;
            options.onProgress?.({kind: 'batch', epoch, seen, loss: lossSum / seen, acc: accSum / seen});
          },
        },
      });
      epochLoss += ((history.history.loss[0] as number) * chunk.size) / n;
      epochAcc += ((history.history.acc[0] as number) * chunk.size) / n;
    }
    const seconds = (performance.now() - start) / 1000;
    secondsPerEpoch.push(seconds);
    finalLoss = epochLoss;
    const acc = epochAcc;
    trainAccuracyPerEpoch.push(acc);
    tf.dispose(chunks.flatMap((c) => [c.xs, c.ys]));
    let testAcc: number | undefined;
    if (options.evaluateEachEpoch || epoch === options.epochs - 1) {
      testAcc = await accuracy(model, data.testImages, data.testLabels);
      testAccuracyPerEpoch.push(testAcc);
    }
    options.onProgress?.({kind: 'epoch-end', epoch, epochs: options.epochs, seconds, loss: finalLoss, acc, testAcc});
  }
  return {
    secondsPerEpoch,
    finalLoss,
    testAccuracy: testAccuracyPerEpoch[testAccuracyPerEpoch.length - 1],
    testAccuracyPerEpoch,
    trainAccuracyPerEpoch,
  };
}

/**
 * Fraction of correctly classified samples, predicted in batches to bound memory. Reads results
 * asynchronously: the webgpu backend cannot read synchronously in Node (no OffscreenCanvas).
 */
export async function accuracy(
  model: tf.LayersModel,
  images: tf.Tensor4D,
  labels: tf.Tensor2D,
  batchSize = 500,
): Promise<number> {
  let correct = 0;
  const n = images.shape[0];
  for (let start = 0; start < n; start += batchSize) {
    const size = Math.min(batchSize, n - start);
    const count = tf.tidy(() => {
      const x = images.slice([start, 0, 0, 0], [size, 28, 28, 1]);
      const y = labels.slice([start, 0], [size, 10]);
      const predicted = tf.argMax(model.predict(x) as tf.Tensor, 1);
      return tf.sum(tf.equal(predicted, tf.argMax(y, 1)).toInt());
    });
    correct += (await count.data())[0];
    count.dispose();
  }
  return correct / n;
}
