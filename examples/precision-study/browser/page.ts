// Bundled by esbuild into the headless-Chromium page (see chromium.ts). Exposes window.conv6Study.
import * as tf from '@tensorflow/tfjs';
// The package entry (registers the fused kernels), as an application would import it.
import {semifieldConv2d, hasFusedKernels, type SemifieldConfig} from '../../../index.js';
import {semifieldConv2dIm2col} from '../../../src/primitives/index.js';
import {TFJS_ALGORITHMS} from '../linear_errors.js';
import type {StudyProblem} from '../problems.js';
import {measureRow, type TimingRowSpec} from '../timing_rows.js';

async function init(f16: boolean): Promise<Record<string, unknown>> {
  // Must be set before the backend creates its first texture.
  tf.env().set('WEBGL_FORCE_F16_TEXTURES', f16);
  await tf.setBackend('webgl');
  await tf.ready();
  return {
    backend: tf.getBackend(),
    f16Textures: tf.env().getBool('WEBGL_FORCE_F16_TEXTURES'),
    renderFloat32: tf.env().getBool('WEBGL_RENDER_FLOAT32_ENABLED'),
    version: tf.env().getNumber('WEBGL_VERSION'),
    renderer: (() => {
      const gl = document.createElement('canvas').getContext('webgl2');
      const ext = gl?.getExtension('WEBGL_debug_renderer_info');
      return ext && gl ? String(gl.getParameter(ext.UNMASKED_RENDERER_WEBGL)) : 'unknown';
    })(),
  };
}

function linearOutputs(problems: StudyProblem[]): Record<string, number[][]> {
  const out: Record<string, number[][]> = {};
  for (const [name, run] of Object.entries(TFJS_ALGORITHMS)) {
    out[name] = problems.map((s) => {
      const y = tf.tidy(() =>
        run(tf.tensor4d(s.x, [1, s.size, s.size, s.cin]), tf.tensor4d(s.w, [s.k, s.k, s.cin, s.cout])),
      );
      const data = Array.from(y.dataSync());
      y.dispose();
      return data;
    });
  }
  return out;
}

/**
 * semifieldConv2d on webgl; if it throws (e.g. no fused webgl kernel and a composite op the webgl
 * backend cannot run), the unfold formulation is used instead and the failure is reported.
 */
function semifieldOutputs(cases: Array<{label: string; config: SemifieldConfig; problems: StudyProblem[]}>): {
  fused: boolean;
  outputs: Record<string, number[][]>;
  path: Record<string, string>;
} {
  const outputs: Record<string, number[][]> = {};
  const path: Record<string, string> = {};
  for (const c of cases) {
    path[c.label] = hasFusedKernels('webgl') ? 'semifieldConv2d (fused webgl kernel)' : 'semifieldConv2d (composite)';
    outputs[c.label] = c.problems.map((s) => {
      const y = tf.tidy(() => {
        const x = tf.tensor4d(s.x, [1, s.size, s.size, s.cin]);
        const w = tf.tensor4d(s.w, [s.k, s.k, s.cin, s.cout]);
        try {
          return semifieldConv2d(x, w, c.config, {pad: 'same'});
        } catch (e) {
          path[c.label] = `semifieldConv2dIm2col (semifieldConv2d failed on webgl: ${(e as Error).message})`;
          return semifieldConv2dIm2col(x, w, c.config, {pad: 'same'});
        }
      });
      const data = Array.from(y.dataSync());
      y.dispose();
      return data;
    });
  }
  return {fused: hasFusedKernels('webgl'), outputs, path};
}

function timingRows(specs: TimingRowSpec[], options: {minTimeMs: number; maxRounds: number}) {
  return specs.map((spec) => measureRow(spec, options));
}

/** FFT conv with tfjs's O(N²) GPU DFT vs this package's radix-2 transform, across image sizes. */
function fftTransforms(sizes: number[], k: number, channels: number, options: {minTimeMs: number; maxRounds: number}) {
  return sizes.map((size) => {
    const row = measureRow({size, k, channels}, options);
    return {size, k, channels, spectral: row.ms['fft-spectral'], radix2: row.ms['fft-radix2'], tfjs: row.ms['tfjs']};
  });
}

(globalThis as Record<string, unknown>).conv6Study = {
  init,
  linearOutputs,
  semifieldOutputs,
  timingRows,
  fftTransforms,
  tf,
};
