/*
 * Public layer API: the classes (for instanceof checks, subclassing and registration) and a
 * `layers` namespace of factories in the style of `tf.layers`.
 */
import {MorphologicalClosing2D} from './morphological_closing2d_layer.js';
import type {MorphologicalLayer2DArgs} from './morphological_layer.js';
import {MorphologicalOpening2D} from './morphological_opening2d_layer.js';
import {MorphologicalTopHat2D, type MorphologicalTopHat2DArgs} from './morphological_top_hat2d_layer.js';
import {SemifieldConv2D, type SemifieldConv2DLayerArgs} from './semifield_conv2d_layer.js';
import {SemifieldPooling2D, type SemifieldPooling2DLayerArgs} from './semifield_pooling2d_layer.js';

export {SemifieldConv2D} from './semifield_conv2d_layer.js';
/** The same class as {@link SemifieldConv2D} (its earlier export name). */
export {SemifieldConv2D as SemifieldConv2DLayer} from './semifield_conv2d_layer.js';
export type {SemifieldConv2DLayerArgs} from './semifield_conv2d_layer.js';
export {SemifieldPooling2D} from './semifield_pooling2d_layer.js';
export type {SemifieldPooling2DLayerArgs} from './semifield_pooling2d_layer.js';
export {MorphologicalLayer2D} from './morphological_layer.js';
export type {MorphologicalLayer2DArgs} from './morphological_layer.js';
export {MorphologicalOpening2D} from './morphological_opening2d_layer.js';
export {MorphologicalTopHat2D} from './morphological_top_hat2d_layer.js';
export type {MorphologicalTopHat2DArgs} from './morphological_top_hat2d_layer.js';
export {MorphologicalClosing2D} from './morphological_closing2d_layer.js';
export {defaultSemifieldBiasInitializer, defaultSemifieldKernelInitializer} from './default_initializers.js';
export {structuringToSemifield} from './structuring.js';
export * from './kernels/index.js';
export type {
  ActivationIdentifier,
  ConstraintIdentifier,
  InitializerIdentifier,
  RegularizerIdentifier,
  SerializedObject,
} from './layer_args.js';

/**
 * Factories for the semifield layers, used like `tf.layers.*`.
 *
 * @example
 * import * as tf from '@tensorflow/tfjs';
 * import {layers} from 'tfjs-semifield/layers';
 * const model = tf.sequential({layers: [
 *   tf.layers.conv2d({inputShape: [28, 28, 1], filters: 8, kernelSize: 3, activation: 'relu'}),
 *   layers.semifieldPooling2d({poolSize: 3, strides: 2, padding: 'same'}),
 *   layers.semifieldConv2d({filters: 16, kernelSize: 3, semifield: {name: 'log', mu: 0.5}, activation: 'relu'}),
 *   layers.morphologicalClosing2d({kernelSize: 3}),
 *   tf.layers.globalAveragePooling2d({}),
 *   tf.layers.dense({units: 10, activation: 'softmax'}),
 * ]});
 */
export const layers = {
  /** A {@link SemifieldConv2D} layer (the semifield counterpart of `tf.layers.conv2d`). */
  semifieldConv2d: (args: SemifieldConv2DLayerArgs): SemifieldConv2D => new SemifieldConv2D(args),
  /** A {@link SemifieldPooling2D} layer (learnable replacement for `tf.layers.maxPooling2d`). */
  semifieldPooling2d: (args: SemifieldPooling2DLayerArgs = {}): SemifieldPooling2D => new SemifieldPooling2D(args),
  /** A {@link MorphologicalOpening2D} layer (erosion then dilation). */
  morphologicalOpening2d: (args: MorphologicalLayer2DArgs = {}): MorphologicalOpening2D =>
    new MorphologicalOpening2D(args),
  /** A {@link MorphologicalClosing2D} layer (dilation then erosion). */
  morphologicalClosing2d: (args: MorphologicalLayer2DArgs = {}): MorphologicalClosing2D =>
    new MorphologicalClosing2D(args),
  /** A {@link MorphologicalTopHat2D} layer (white: x − opening, black: closing − x; learned element). */
  morphologicalTopHat2d: (args: MorphologicalTopHat2DArgs = {}): MorphologicalTopHat2D =>
    new MorphologicalTopHat2D(args),
  SemifieldConv2D,
  SemifieldPooling2D,
  MorphologicalOpening2D,
  MorphologicalClosing2D,
  MorphologicalTopHat2D,
};
