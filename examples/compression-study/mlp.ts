// The reference assignment's MNIST MLP, 784→512→128→10 with ReLU, trained with a fixed seed.
import * as tf from '@tensorflow/tfjs';
import type {MnistSplit} from './data.js';

export function buildMlp(seed: number): tf.Sequential {
  const init = (offset: number) => tf.initializers.glorotUniform({seed: seed + offset});
  return tf.sequential({
    name: 'mnist_mlp',
    layers: [
      tf.layers.dense({inputShape: [784], units: 512, activation: 'relu', kernelInitializer: init(0), name: 'fc1'}),
      tf.layers.dense({units: 128, activation: 'relu', kernelInitializer: init(1), name: 'fc2'}),
      tf.layers.dense({units: 10, activation: 'softmax', kernelInitializer: init(2), name: 'fc3'}),
    ],
  });
}

export function compileMlp(model: tf.LayersModel, learningRate = 1e-3): void {
  model.compile({optimizer: tf.train.adam(learningRate), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy']});
}

/**
 * Trains with Adam, batch 64, no shuffling inside fit: the data were shuffled with a fixed seed by
 * loadMnist, and fit's own shuffle uses Math.random, which would make runs differ.
 */
export async function trainMlp(
  model: tf.LayersModel,
  data: MnistSplit,
  epochs: number,
  onEpoch?: (epoch: number, logs: tf.Logs | undefined) => void,
): Promise<void> {
  const x = tf.tensor2d(data.trainX, [data.nTrain, 784]);
  const y = tf.tensor1d(Array.from(data.trainY), 'float32');
  try {
    await model.fit(x, y, {
      epochs,
      batchSize: 64,
      shuffle: false,
      verbose: 0,
      callbacks: {onEpochEnd: async (epoch, logs) => onEpoch?.(epoch, logs)},
    });
  } finally {
    tf.dispose([x, y]);
  }
}

/** Top-1 accuracy on the test split. */
export function testAccuracy(model: tf.LayersModel, data: MnistSplit): number {
  return tf.tidy(() => {
    const x = tf.tensor2d(data.testX, [data.nTest, 784]);
    const predicted = tf.argMax(model.predict(x) as tf.Tensor, 1).dataSync();
    let correct = 0;
    for (let i = 0; i < data.nTest; i++) if (predicted[i] === data.testY[i]) correct++;
    return correct / data.nTest;
  });
}
