/*
 * Half-float textures (WEBGL_FORCE_F16_TEXTURES, i.e. WEBGL_RENDER_FLOAT32_ENABLED false): what
 * tfjs uses on devices that cannot render to float32. Two things are checked:
 * 1. the error of half-float results against float32 on the shared matrix, with a stated tolerance;
 * 2. provenance stays exact for windows of more than 2048 terms, where a half float cannot store
 *    the index: the gradient still reaches exactly the selected input and filter entries.
 */
import * as tf from '@tensorflow/tfjs';
import {expect} from 'chai';
import {SEMIFIELD_CONV2D_KERNEL} from '../../index.js';
import {allCases, type ConvCase, maxRelError} from '../reference/cases.js';
import {normal} from '../reference/random.js';
import {type CaseResult, f16Array, onBackend, runCase, useWebGL} from './webgl_helpers.js';

/**
 * Half floats carry 11 significand bits (unit roundoff 2^-11 ≈ 4.9e-4). With inputs already rounded
 * to half floats, what remains is the rounding of stored outputs and of intermediate textures on the
 * gradient path (y, dy, sums): a few roundings, so we allow 4 units: 2e-3 relative (floor 1).
 */
const F16_TOL = 2e-3;
/** Forward error when the inputs themselves are rounded on upload (float32 data in, f16 stored). */
const F16_TOL_RAW_INPUTS = 1e-2;

/**
 * Invertible gradients read y back from a half-float texture, and ∂y/∂t amplifies its rounding:
 * e^{(t−y)/μ} turns an error δ in y into a relative error δ/|μ| (|y| ≤ 4 in these cases), and
 * (t/y)^{p−1} into (p−1)·δ/|y|. The gradient tolerance is F16_TOL times that amplification.
 */
function gradientAmplification(c: ConvCase): number {
  if (c.ref.name === 'log') return 1 + 4 / Math.abs(c.ref.mu ?? 1);
  if (c.ref.name === 'root') return c.ref.p ?? 2;
  return 1;
}

function roundedCase(c: ConvCase): ConvCase {
  return {...c, x: f16Array(c.x), w: f16Array(c.w)};
}

describe('webgl, half-float textures: error against float32 on the shared matrix', () => {
  // Every 3rd case of the matrix: every semifield, pad and step still appears (keeps the suite short).
  const rawCases = allCases().filter((_, n) => n % 3 === 0);
  const cases = rawCases.map(roundedCase);
  const f32: CaseResult[] = [];
  const f32Raw: Float32Array[] = [];
  const worst: Record<string, {y: number; dx: number; dw: number; yRaw: number}> = {};

  before(async function () {
    this.timeout(600000);
    await useWebGL();
    for (let n = 0; n < cases.length; n++) {
      f32.push(await runCase(cases[n], 5000 + n, 'auto', true));
      f32Raw.push((await runCase(rawCases[n], 5000 + n)).y);
    }
    await useWebGL({f16: true});
    expect(tf.env().getBool('WEBGL_RENDER_FLOAT32_ENABLED')).to.equal(false);
  });

  after(async () => {
    const rows = Object.entries(worst).map(
      ([k, v]) =>
        `${k}: y ${v.y.toExponential(2)}, dx ${v.dx.toExponential(2)}, dw ${v.dw.toExponential(2)}, y (unrounded inputs) ${v.yRaw.toExponential(2)}`,
    );
    console.log(
      `half-float vs float32, max relative error per semifield (tolerance y ${F16_TOL}, gradients ${F16_TOL} × amplification, y from unrounded inputs ${F16_TOL_RAW_INPUTS}):\n  ${rows.join('\n  ')}`,
    );
    await useWebGL();
  });

  cases.forEach((c, n) => {
    it(c.name, async () => {
      const got = await runCase(c, 5000 + n, 'auto', true);
      const gotRaw = (await runCase(rawCases[n], 5000 + n)).y;
      const errs = {
        y: maxRelError(got.y, f32[n].y),
        dx: maxRelError(got.dx, f32[n].dx),
        dw: maxRelError(got.dw, f32[n].dw),
        yRaw: maxRelError(gotRaw, f32Raw[n]),
      };
      const key = c.name.split(' | ')[0];
      const w = (worst[key] ??= {y: 0, dx: 0, dw: 0, yRaw: 0});
      for (const k of ['y', 'dx', 'dw', 'yRaw'] as const) w[k] = Math.max(w[k], errs[k]);
      expect(errs.y, 'y').to.be.at.most(F16_TOL);
      expect(errs.dx, 'dx').to.be.at.most(F16_TOL * gradientAmplification(c));
      expect(errs.dw, 'dw').to.be.at.most(F16_TOL * gradientAmplification(c));
      expect(errs.yRaw, 'y from unrounded inputs').to.be.at.most(F16_TOL_RAW_INPUTS);
    });
  });
});

describe('webgl, half-float textures: provenance of windows with more than 2048 terms stays exact', () => {
  // 3×3 taps × 240 channels = 2160 terms: indices 2049…2159 are not half floats. The last tap's
  // upper channels get a bias so that many outputs select exactly such an index.
  const xShape: [number, number, number, number] = [1, 4, 5, 240];
  const wShape: [number, number, number, number] = [3, 3, 240, 3];

  for (const semifield of ['maxplus', 'minplus'] as const) {
    it(`${semifield}: forward, provenance and both gradients match the CPU kernels`, async () => {
      const sign = semifield === 'maxplus' ? 1 : -1;
      const x = normal(
        xShape.reduce((a, b) => a * b),
        77,
      );
      const w = normal(
        wShape.reduce((a, b) => a * b),
        78,
        0.5,
      );
      for (let n = 0; n < x.length; n++) if (n % 240 > 150) x[n] += sign * 2;
      for (let n = 0; n < w.length; n++) if (Math.floor(n / 3) >= 8 * 240 + 150) w[n] += sign * 2;
      const c = {
        name: semifield,
        semifield,
        ref: {name: semifield},
        xShape,
        wShape,
        x: f16Array(x),
        w: f16Array(w),
        options: {strides: [1, 1], dilations: [1, 1], pad: 'same', groups: 1},
        geometry: {strides: [1, 1], dilations: [1, 1], pad: [1, 1, 1, 1], groups: 1},
      } as unknown as ConvCase;
      const attrs = {
        semifield: JSON.stringify({name: semifield}),
        strides: [1, 1],
        dilations: [1, 1],
        pad: [1, 1, 1, 1],
        groups: 1,
      };
      const provOn = async () => {
        const xt = tf.tensor4d(c.x, xShape);
        const wt = tf.tensor4d(c.w, wShape);
        const outs = tf
          .engine()
          .runKernel(SEMIFIELD_CONV2D_KERNEL, {x: xt, filter: wt} as never, attrs as never) as unknown as tf.Tensor[];
        const p = Array.from(await outs[1].data());
        tf.dispose([xt, wt, ...outs]);
        return p;
      };
      await useWebGL({f16: true});
      const gl = await runCase(c, 91, 'auto', true);
      const glProv = await provOn();
      const cpu = await onBackend('cpu', () => runCase(c, 91, 'auto', true));
      const cpuProv = await onBackend('cpu', provOn);
      const above = cpuProv.filter((k) => k > 2048).length;
      expect(above, 'outputs whose provenance exceeds 2048').to.be.greaterThan(10);
      // What tfjs reads back from a half-float int32 texture is rounded like any half float …
      const rounded = glProv.filter((k, n) => k !== cpuProv[n]).length;
      expect(rounded, 'stored provenance rounded by the half-float texture').to.be.greaterThan(0);
      glProv.forEach((k, n) => expect(Math.abs(k - cpuProv[n])).to.be.at.most(2));
      // … but the kernels recover the exact index: gradients land on exactly the same entries.
      const support = (a: Float32Array) => Array.from(a, (v) => (v !== 0 ? 1 : 0)).join('');
      expect(support(gl.dx), 'dx support').to.equal(support(cpu.dx));
      expect(support(gl.dw), 'dw support').to.equal(support(cpu.dw));
      expect(maxRelError(gl.y, cpu.y), 'y').to.be.at.most(F16_TOL);
      expect(maxRelError(gl.dx, cpu.dx), 'dx').to.be.at.most(F16_TOL);
      expect(maxRelError(gl.dw, cpu.dw), 'dw').to.be.at.most(F16_TOL);
      await useWebGL();
    });
  }
});
