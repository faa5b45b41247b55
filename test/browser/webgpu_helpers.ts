/*
 * Shared helpers of the webgpu browser specs. `useWebGPU()` makes 'webgpu' the active backend or
 * throws saying why — a browser without WebGPU fails the suite, it never skips it.
 */
import * as tf from '@tensorflow/tfjs';
import {installGeneratedWGSLCheck} from '../reference/wgsl_checks.js';

let registered: Promise<void> | null = null;

/**
 * Import tfjs-backend-webgpu on first use rather than at bundle load: it registers 'webgpu' with a
 * higher priority than 'webgl', and the other specs of the single karma bundle must not find it
 * already registered.
 */
export async function useWebGPU(): Promise<string> {
  const gpu = (navigator as Navigator & {gpu?: GPU}).gpu;
  if (gpu == null) {
    throw new Error(
      'navigator.gpu is missing: this browser has no WebGPU. Chromium needs --enable-unsafe-webgpu and ' +
        '--enable-features=Vulkan (karma.conf.js sets them) and a Vulkan driver (SwiftShader ships with Chromium).',
    );
  }
  const adapter = await gpu.requestAdapter();
  if (adapter == null) {
    throw new Error(
      'navigator.gpu.requestAdapter() returned null: WebGPU is exposed but no adapter is available ' +
        '(headless Chromium needs --enable-unsafe-webgpu --enable-features=Vulkan; SwiftShader provides the adapter).',
    );
  }
  registered ??= import('@tensorflow/tfjs-backend-webgpu').then(() => undefined);
  await registered;
  if (!(await tf.setBackend('webgpu')) || tf.getBackend() !== 'webgpu')
    throw new Error("tf.setBackend('webgpu') failed");
  installGeneratedWGSLCheck(tf.backend() as never);
  const info = (adapter as GPUAdapter & {info?: GPUAdapterInfo}).info;
  return info ? `${info.vendor} ${info.architecture} ${info.description}`.trim() : 'unknown adapter';
}
