import * as tf from '@tensorflow/tfjs';
import {semifieldConv2d} from 'tfjs-semifield';

const image = tf.randomUniform([1, 28, 28, 1]); // NHWC, like tf.conv2d
const se = tf.zeros([3, 3, 1, 1]); // flat 3×3 structuring element
const dilated = semifieldConv2d(image, se, 'maxplus', {pad: 'same'}); // grey-scale dilation
const eroded = semifieldConv2d(image, se, 'minplus', {pad: 'same'}); // grey-scale erosion
const smooth = semifieldConv2d(image, se, {name: 'log', mu: 0.05}, {pad: 'same'}); // soft max
const dSe = tf.grad((w) => semifieldConv2d(image, w, 'maxplus', {pad: 'same'}).sum())(se); // trainable
console.log(
  dilated.shape,
  tf.min(tf.sub(dilated, eroded)).dataSync()[0] >= 0,
  tf.max(tf.sub(smooth, dilated)).dataSync()[0] <= 0.05 * Math.log(9) + 1e-6,
  dSe.sum().dataSync()[0],
);
