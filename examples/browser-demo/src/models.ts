/*
 * The networks the demo trains. One skeleton, one swapped piece, so what changes between variants
 * is the semifield layer and nothing else:
 *
 *     conv 3×3 (8, relu) → pool #1 → conv #2 3×3 (16, relu) → pool #2 → flatten → dense 10 (softmax)
 *     28×28×1 → 26×26×8 → 13×13×8 → 11×11×16 → 6×6×16 → 10
 *
 * A semifield conv #2 has no ReLU: max-plus / log / root convolutions are non-linear already, and
 * the log layer's default kernel init (centred at −μ·log(fan-in), so outputs start near 0) followed
 * by a ReLU leaves most units dead — with one, the log variant does not learn in a short run.
 *
 * Kept DOM-free so that it can be checked in Node as well.
 */
import * as tf from '@tensorflow/tfjs';
import {getSemifield, type SemifieldConfig} from '../../../index.js';
import {defaultSemifieldKernelInitializer, layers} from '../../../src/layers/index.js';

export const variants = {
  baseline: {label: 'Linear conv + max-pool (baseline)', conv2: null, semifieldPool: false},
  'semifield-pool': {label: 'Linear conv + learned max-plus pooling', conv2: null, semifieldPool: true},
  'maxplus-conv': {label: 'Max-plus conv #2 + learned pooling', conv2: 'maxplus', semifieldPool: true},
  'log-conv': {label: 'Log (μ = 0.5) conv #2 + learned pooling', conv2: {name: 'log', mu: 0.5}, semifieldPool: true},
  'root-conv': {label: 'Root (p = 2) conv #2 + learned pooling', conv2: {name: 'root', p: 2}, semifieldPool: true},
} satisfies Record<string, {label: string; conv2: SemifieldConfig | null; semifieldPool: boolean}>;

export type VariantName = keyof typeof variants;
export const variantNames = Object.keys(variants) as VariantName[];

export function isVariantName(name: string): name is VariantName {
  return Object.prototype.hasOwnProperty.call(variants, name);
}

/** Build and compile one variant. Seeded initialisers so that runs repeat on one backend. */
export function buildModel(variant: VariantName, learningRate: number, seed = 1): tf.LayersModel {
  const spec = variants[variant];
  let nextSeed = seed;
  const glorot = () => tf.initializers.glorotUniform({seed: nextSeed++});
  const pool = (name: string) =>
    spec.semifieldPool
      ? layers.semifieldPooling2d({
          name,
          poolSize: 3,
          strides: 2,
          padding: 'same',
          semifield: 'maxplus',
          kernel: 'isotropic',
        })
      : tf.layers.maxPooling2d({name, poolSize: 2, strides: 2, padding: 'same'});
  const conv2 =
    spec.conv2 == null
      ? tf.layers.conv2d({name: 'conv2', filters: 16, kernelSize: 3, activation: 'relu', kernelInitializer: glorot()})
      : layers.semifieldConv2d({
          name: 'conv2',
          filters: 16,
          kernelSize: 3,
          semifield: spec.conv2,
          // The package's default initialiser for this semifield, seeded so that runs repeat.
          kernelInitializer: defaultSemifieldKernelInitializer(getSemifield(spec.conv2), 9 * 8, nextSeed++),
        });
  const model = tf.sequential({
    name: `demo_${variant.replace('-', '_')}`,
    layers: [
      tf.layers.conv2d({
        name: 'conv1',
        inputShape: [28, 28, 1],
        filters: 8,
        kernelSize: 3,
        activation: 'relu',
        kernelInitializer: glorot(),
      }),
      pool('pool1'),
      conv2,
      pool('pool2'),
      tf.layers.flatten({name: 'flatten'}),
      tf.layers.dense({name: 'dense', units: 10, activation: 'softmax', kernelInitializer: glorot()}),
    ],
  });
  model.compile({optimizer: tf.train.adam(learningRate), loss: 'categoricalCrossentropy', metrics: ['accuracy']});
  return model;
}
