import type {KernelConfig} from '@tensorflow/tfjs-core';
import {SEMIFIELD_CONV2D_BACKPROP_INPUT_KERNEL} from '../../src/ops/kernel_names.js';
import {semifieldConv2DBackpropCpu} from './semifield_backprop.js';

/** dL/dx on the CPU (semifield_backprop.ts). */
export const semifieldConv2DBackpropInputCpu = semifieldConv2DBackpropCpu('input');

export const semifieldConv2DBackpropInputCpuConfig: KernelConfig = {
  kernelName: SEMIFIELD_CONV2D_BACKPROP_INPUT_KERNEL,
  backendName: 'cpu',
  kernelFunc: semifieldConv2DBackpropInputCpu,
};
