/*
 * --backend: cpu (default; fused semifield kernels), wasm (composite path), tensorflow (only when
 * the user installed @tensorflow/tfjs-node; composite path on native TensorFlow), webgpu (Dawn
 * through the package's Node WebGPU helper; fused WebGPU kernels).
 */
import * as tf from '@tensorflow/tfjs';

export const backendNames = ['cpu', 'wasm', 'tensorflow', 'webgpu'] as const;
export type BackendName = (typeof backendNames)[number];

// Specifiers held in variables so TypeScript does not insist that optional modules be installed.
const tfjsNode = '@tensorflow/tfjs-node';
const wasmBackend = '@tensorflow/tfjs-backend-wasm';
const nodeWebGPU = '../../src/backends/node_webgpu.js';

export async function selectBackend(name: string): Promise<string> {
  if (!(backendNames as readonly string[]).includes(name)) {
    throw new Error(`--backend: expected one of ${backendNames.join(', ')}, but got '${name}'`);
  }
  switch (name as BackendName) {
    case 'cpu':
      break;
    case 'wasm':
      await import(wasmBackend);
      break;
    case 'tensorflow':
      try {
        await import(tfjsNode);
      } catch (err) {
        throw new Error(
          `--backend tensorflow needs @tensorflow/tfjs-node (4.22), which is not installed here: run \`npm install @tensorflow/tfjs-node@4.22.0\` first (${(err as Error).message.split('\n')[0]})`,
          {cause: err},
        );
      }
      break;
    case 'webgpu': {
      let helper: {
        initNodeWebGPU(options?: object): Promise<{adapter: {description: string; vendor: string}; software: boolean}>;
      };
      try {
        helper = await import(nodeWebGPU);
      } catch (err) {
        throw new Error(
          `--backend webgpu needs the Node WebGPU helper src/backends/node_webgpu.ts, which could not be loaded: ${(err as Error).message.split('\n')[0]}`,
          {cause: err},
        );
      }
      const info = await helper.initNodeWebGPU();
      console.log(
        `WebGPU adapter: ${info.adapter.vendor} ${info.adapter.description}${info.software ? ' (SwiftShader, CPU)' : ''}`,
      );
      break;
    }
  }
  if (!(await tf.setBackend(name))) throw new Error(`--backend: tf.setBackend('${name}') failed`);
  await tf.ready();
  return tf.getBackend();
}
