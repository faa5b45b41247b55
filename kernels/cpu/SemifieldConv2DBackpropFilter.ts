import type {KernelConfig} from '@tensorflow/tfjs-core';
import {SEMIFIELD_CONV2D_BACKPROP_FILTER_KERNEL} from '../../src/ops/kernel_names.js';
import {semifieldConv2DBackpropCpu} from './semifield_backprop.js';

/** dL/dfilter on the CPU (semifield_backprop.ts). */
export const semifieldConv2DBackpropFilterCpu = semifieldConv2DBackpropCpu('filter');

export const semifieldConv2DBackpropFilterCpuConfig: KernelConfig = {
  kernelName: SEMIFIELD_CONV2D_BACKPROP_FILTER_KERNEL,
  backendName: 'cpu',
  kernelFunc: semifieldConv2DBackpropFilterCpu,
};
