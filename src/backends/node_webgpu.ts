/*
 * WebGPU for TensorFlow.js in Node, through Dawn (the `webgpu` npm package). On a machine with an
 * NVIDIA / AMD / Intel GPU and its Vulkan driver this is the GPU training path outside the browser;
 * without one, Dawn runs on SwiftShader, the CPU Vulkan driver Chromium ships.
 *
 * This module imports `webgpu` (a native addon) and `@tensorflow/tfjs-backend-webgpu` lazily, and
 * is published as its own subpath (`tfjs-semifield/node-webgpu`) so that browser bundles of the
 * package root never see either.
 */
import * as tf from '@tensorflow/tfjs-core';
import {existsSync} from 'node:fs';
import {homedir} from 'node:os';
import {join} from 'node:path';

export interface InitNodeWebGPUOptions {
  /**
   * Vulkan driver choice. 'auto' (default): the system's drivers first, then SwiftShader if no
   * usable adapter was found. 'software': SwiftShader only. 'system': never fall back.
   * An explicit VK_ICD_FILENAMES / VK_DRIVER_FILES in the environment always wins.
   */
  driver?: 'auto' | 'software' | 'system';
  /** Path of a Vulkan ICD json to use (e.g. a SwiftShader `vk_swiftshader_icd.json`). */
  icdPath?: string;
  /** Make 'webgpu' the active tfjs backend (default true). */
  setBackend?: boolean;
  /**
   * Flags for Dawn's instance (the `webgpu` package's create()), e.g.
   * `['enable-dawn-features=allow_unsafe_apis']`, which exposes `timestamp-query` where Dawn
   * otherwise hides it (tf.time's kernelMs needs it).
   */
  dawnFlags?: string[];
}

export interface NodeWebGPUInfo {
  /** The ICD json the process was pointed at, or null when the system's drivers were used. */
  icd: string | null;
  /** Adapter vendor / architecture / description as Dawn reports them. */
  adapter: {vendor: string; architecture: string; device: string; description: string};
  /** True when running on SwiftShader (CPU), i.e. no GPU acceleration. */
  software: boolean;
}

/** Places where Debian/Ubuntu Chromium, Google Chrome and Playwright put SwiftShader's ICD. */
export function swiftShaderIcdCandidates(): string[] {
  const list = [
    '/usr/lib/chromium/vk_swiftshader_icd.json',
    '/usr/lib/chromium-browser/vk_swiftshader_icd.json',
    '/usr/lib64/chromium-browser/vk_swiftshader_icd.json',
    '/opt/google/chrome/vk_swiftshader_icd.json',
    '/snap/chromium/current/usr/lib/chromium-browser/vk_swiftshader_icd.json',
  ];
  const playwright = process.env.PLAYWRIGHT_BROWSERS_PATH ?? join(homedir(), '.cache', 'ms-playwright');
  for (const build of ['chromium-1200', 'chromium'])
    list.push(join(playwright, build, 'chrome-linux', 'vk_swiftshader_icd.json'));
  return list;
}

export function findSwiftShaderIcd(): string | null {
  return swiftShaderIcdCandidates().find((p) => existsSync(p)) ?? null;
}

const installHelp =
  "Install a Vulkan driver: on Debian/Ubuntu `apt-get install libvulkan1` plus either your GPU's Vulkan driver " +
  '(mesa-vulkan-drivers, nvidia-driver) or `chromium-common` / `chromium`, whose SwiftShader ICD ' +
  '(vk_swiftshader_icd.json, found with `dpkg -L chromium-common | grep vk_swiftshader`) runs WebGPU on the CPU; ' +
  'an unusual location can be given with VK_ICD_FILENAMES=/path/to/icd.json or initNodeWebGPU({icdPath}).';

let initialised: Promise<NodeWebGPUInfo> | null = null;

/**
 * Set up Dawn as `navigator.gpu` and register tfjs's WebGPU backend in Node, then (by default)
 * switch tfjs to it. Idempotent. Throws an Error saying what to install when no adapter is found.
 *
 * @example
 * import * as tf from '@tensorflow/tfjs';
 * import 'tfjs-semifield';
 * import {initNodeWebGPU} from 'tfjs-semifield/node-webgpu';
 * const info = await initNodeWebGPU();   // tf.getBackend() === 'webgpu'
 * console.log(info.adapter.architecture); // e.g. 'swiftshader' without a GPU
 */
export function initNodeWebGPU(options: InitNodeWebGPUOptions = {}): Promise<NodeWebGPUInfo> {
  initialised ??= setUp(options).catch((err) => {
    initialised = null;
    throw err;
  });
  return initialised.then(async (info) => {
    if (options.setBackend !== false && tf.getBackend() !== 'webgpu') {
      if (!(await tf.setBackend('webgpu')))
        throw new Error(`initNodeWebGPU: tf.setBackend('webgpu') failed on adapter ${JSON.stringify(info.adapter)}`);
    }
    return info;
  });
}

async function setUp(options: InitNodeWebGPUOptions): Promise<NodeWebGPUInfo> {
  const driver = options.driver ?? 'auto';
  if (!['auto', 'software', 'system'].includes(driver)) {
    throw new Error(`initNodeWebGPU: driver must be 'auto', 'software' or 'system', but got ${JSON.stringify(driver)}`);
  }
  let dawn: typeof import('webgpu');
  try {
    dawn = await import('webgpu');
  } catch (err) {
    throw new Error(
      `initNodeWebGPU: the 'webgpu' npm package (Dawn for Node) could not be loaded (${(err as Error).message}); install it with \`npm install webgpu\`.`,
      {cause: err},
    );
  }
  const envIcd = process.env.VK_ICD_FILENAMES ?? process.env.VK_DRIVER_FILES;
  const attempts: Array<string | null> = [];
  if (options.icdPath != null) attempts.push(options.icdPath);
  else if (envIcd) attempts.push(envIcd);
  else {
    if (driver !== 'software') attempts.push(null);
    if (driver !== 'system') {
      const swiftShader = findSwiftShaderIcd();
      if (swiftShader != null) attempts.push(swiftShader);
    }
  }
  const tried: string[] = [];
  for (const icd of attempts) {
    // The Vulkan loader reads this when Dawn creates its instance, i.e. in create() below.
    if (icd != null) process.env.VK_ICD_FILENAMES = icd;
    const gpu = dawn.create(options.dawnFlags ?? []);
    const adapter = await gpu.requestAdapter({powerPreference: 'high-performance'});
    tried.push(icd ?? 'system Vulkan drivers');
    if (adapter == null) continue;
    Object.assign(globalThis, dawn.globals);
    installNavigatorGpu(gpu);
    await registerTfjsWebGPUBackend();
    const a = adapter.info;
    const described = {vendor: a.vendor, architecture: a.architecture, device: a.device, description: a.description};
    return {icd, adapter: described, software: /swiftshader/i.test(`${a.architecture} ${a.description} ${a.vendor}`)};
  }
  if (attempts.length === 0) {
    throw new Error(
      `initNodeWebGPU: no WebGPU adapter: driver 'software' was requested but no SwiftShader ICD was found (looked in ${swiftShaderIcdCandidates().join(', ')}). ${installHelp}`,
    );
  }
  throw new Error(`initNodeWebGPU: no WebGPU adapter found (tried ${tried.join('; ')}). ${installHelp}`);
}

function installNavigatorGpu(gpu: unknown): void {
  const g = globalThis as {navigator?: object};
  if (g.navigator == null) {
    Object.defineProperty(globalThis, 'navigator', {value: {gpu}, configurable: true, writable: true});
  } else {
    // Node ≥ 21 has a built-in navigator without `gpu`.
    Object.defineProperty(g.navigator, 'gpu', {value: gpu, configurable: true, writable: true});
  }
}

/**
 * Import tfjs-backend-webgpu now that navigator.gpu exists (it registers 'webgpu' at import only
 * when WebGPU is present). If it was imported earlier, before navigator.gpu was set, register the
 * same factory it would have.
 */
async function registerTfjsWebGPUBackend(): Promise<void> {
  const backendModule = await import('@tensorflow/tfjs-backend-webgpu');
  if (tf.findBackendFactory('webgpu') != null) return;
  tf.registerBackend(
    'webgpu',
    async () => {
      const gpu = (globalThis as unknown as {navigator: {gpu: GPU}}).navigator.gpu;
      const adapter = (await gpu.requestAdapter({powerPreference: 'high-performance'}))!;
      const limits = adapter.limits;
      const requiredFeatures: GPUFeatureName[] = adapter.features.has('timestamp-query') ? ['timestamp-query'] : [];
      const device = await adapter.requestDevice({
        requiredFeatures,
        requiredLimits: {
          maxComputeWorkgroupStorageSize: limits.maxComputeWorkgroupStorageSize,
          maxComputeWorkgroupsPerDimension: limits.maxComputeWorkgroupsPerDimension,
          maxStorageBufferBindingSize: limits.maxStorageBufferBindingSize,
          maxBufferSize: limits.maxBufferSize,
          maxComputeWorkgroupSizeX: limits.maxComputeWorkgroupSizeX,
          maxComputeInvocationsPerWorkgroup: limits.maxComputeInvocationsPerWorkgroup,
        },
      });
      return new backendModule.WebGPUBackend(device as never, adapter.info as never);
    },
    3,
  );
}
