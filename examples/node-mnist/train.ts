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

export async function trainAndEvaluate(model: tf.LayersModel, data: MnistSplit, options: TrainOptions): Promise<TrainResult> {
  const optimizer = tf.train.adam(options.learningRate);
  model.compile({optimizer, loss: 'categoricalCrossentropy', metrics: ['accuracy']});
  const n = data.trainImages.shape[0];
  const batches = Math.ceil(n / options.batchSize);
  const random = seededRandom(options.seed);
  const secondsPerEpoch: number[] = [];
  const testAccuracyPerEpoch: number[] = [];
  const trainAccuracyPerEpoch: number[] = [];
  let finalLoss = NaN;
  for (let epoch = 0; epoch < options.epochs; epoch++) {
    // Exponential decay per epoch; AdamOptimizer reads its learningRate field on every step.
    (optimizer as unknown as {learningRate: number}).learningRate = options.learningRate * options.learningRateDecay ** epoch;
    const order = tf.tensor1d(permutation(n, random), 'int32');
    let xs = tf.gather(data.trainImages, order);
    const ys = tf.gather(data.trainLabels, order);
    order.dispose();
    if (options.augmentShift > 0) {
      // Asynchronous read: webgpu in Node cannot read synchronously.
      const shifted = shiftDigits((await xs.data()) as Float32Array, options.augmentShift, random);
      xs.dispose();
      xs = tf.tensor4d(shifted, [n, 28, 28, 1]);
    }
    options.onProgress?.({kind: 'epoch-start', epoch, epochs: options.epochs, batches});
    const start = performance.now();
    let seen = 0;
    let lossSum = 0;
    let accSum = 0;
    const history = await model.fit(xs, ys, {
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
    const seconds = (performance.now() - start) / 1000;
    secondsPerEpoch.push(seconds);
    finalLoss = history.history.loss[0] as number;
    const acc = history.history.acc[0] as number;
    trainAccuracyPerEpoch.push(acc);
    tf.dispose([xs, ys]);
    let testAcc: number | undefined;
    if (options.evaluateEachEpoch || epoch === options.epochs - 1) {
      testAcc = await accuracy(model, data.testImages, data.testLabels);
      testAccuracyPerEpoch.push(testAcc);
    }
    options.onProgress?.({kind: 'epoch-end', epoch, epochs: options.epochs, seconds, loss: finalLoss, acc, testAcc});
  }
  return {secondsPerEpoch, finalLoss, testAccuracy: testAccuracyPerEpoch[testAccuracyPerEpoch.length - 1], testAccuracyPerEpoch, trainAccuracyPerEpoch};
}

/**
 * Fraction of correctly classified samples, predicted in batches to bound memory. Reads results
 * asynchronously: the webgpu backend cannot read synchronously in Node (no OffscreenCanvas).
 */
export async function accuracy(model: tf.LayersModel, images: tf.Tensor4D, labels: tf.Tensor2D, batchSize = 500): Promise<number> {
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
