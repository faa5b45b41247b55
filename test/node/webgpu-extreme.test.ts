import * as tf from '@tensorflow/tfjs';
import {expect} from 'chai';
import {setWebGPUFlags, resetWebGPUFlags} from '../../kernels/webgpu/flags.js';
import {semifieldConv2d} from '../../index.js';
import {
  checkExtremeCase,
  extremeCases,
  extremeLabel,
  sampleExtremeCases,
  type ExtremeCase,
  type ExtremeResult,
} from '../reference/extreme_cases.js';
import {initWebGPUForTests} from './webgpu_helpers.js';

/*
 * Issue 15's extreme-value suite on webgpu through Dawn (SwiftShader on CI): the same seeded cases
 * as core-extreme.test.ts (±∞ in x, ±∞ and NaN in the filter, root over 1e-35..1e35, log with
 * |x/μ| up to 1e4, windows wholly in the padding, 1×1 images with 5×5 kernels) through the fused
 * webgpu kernels, forward and both gradients, against the float64 reference: no NaN where the
 * reference is defined, infinities where it is infinite, values within the GPU tolerance.
 *
 * Two configurations:
 * - the implicit-GEMM forward (hardware GPUs' default) with the per-term backward programs, all
 *   2,400 cases;
 * - the factorised programs forced (forward and backward; SwiftShader's defaults for log and root
 *   p > 0 with ≥ 2 output channels per group, here on every case, depthwise included), on a seeded
 *   sample of 250 cases of the semifields that have them (log, root p > 0), every regime. Each
 *   semifield parameter × shape × program compiles its own pipeline on SwiftShader, which is where
 *   the time goes; the sample keeps that modest.
 * The other programs (direct forward, SwiftShader's 'auto') run in the browser spec
 * (test/browser/webgpu-extreme.spec.ts) and the case matrix of webgpu-conv2d.test.ts.
 */
const SEED = 15;
const COUNT = Number(process.env.EXTREME_CASES ?? 2400);
const FACTORISED_SAMPLE = Number(process.env.EXTREME_FACTORISED_CASES ?? 250);

async function runExtreme(c: ExtremeCase): Promise<ExtremeResult> {
  const {y, dx, dw} = tf.tidy(() => {
    const x = tf.tensor4d(c.x, c.xShape);
    const w = tf.tensor4d(c.w, c.wShape);
    const r = tf.tensor4d(c.upstream, c.yShape);
    const opts = {...c.options, implementation: 'fused' as const};
    const f = (a: tf.Tensor, b: tf.Tensor) =>
      tf.sum(tf.mul(semifieldConv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.semifield, opts), r));
    const y = semifieldConv2d(x, w, c.semifield, opts);
    const [dx, dw] = tf.grads(f)([x, w]);
    return {y, dx, dw};
  });
  try {
    const [yv, dxv, dwv] = await Promise.all([y.data(), dx.data(), dw.data()]);
    return {y: yv, yShape: y.shape, dx: dxv, dw: dwv};
  } finally {
    tf.dispose([y, dx, dw]);
  }
}

async function runAll(cases: ExtremeCase[]): Promise<void> {
  const before = tf.memory().numTensors;
  const failed: string[] = [];
  let nanFailures = 0;
  for (const c of cases) {
    const f = checkExtremeCase(c, await runExtreme(c), {y: 1e-4, grad: 1e-3});
    nanFailures += f.filter((line) => line.includes('= NaN where')).length;
    if (f.length) failed.push(`${extremeLabel(c)}\n    ${f.slice(0, 4).join('\n    ')}`);
  }
  expect(tf.memory().numTensors, 'tensors leaked').to.equal(before);
  expect(
    failed.length,
    `${failed.length} of ${cases.length} cases failed (${nanFailures} NaN where defined):\n${failed.slice(0, 12).join('\n')}`,
  ).to.equal(0);
}

describe('webgpu (Node, Dawn): extreme values vs the float64 reference', function () {
  this.timeout(1_200_000);
  before(async () => {
    await initWebGPUForTests();
  });
  afterEach(() => resetWebGPUFlags());
  after(async () => {
    await tf.setBackend('cpu');
  });

  it(`hardware programs (implicit-GEMM forward, per-term backward): ${COUNT} seeded cases`, async () => {
    setWebGPUFlags({SEMIFIELD_WEBGPU_FORWARD_PROGRAM: 'mm', SEMIFIELD_WEBGPU_FACTORISED_BACKWARD: 'never'});
    await runAll(extremeCases(SEED, COUNT));
  });

  it(`factorised programs forced (forward and backward): ${FACTORISED_SAMPLE} seeded cases of log and root p > 0`, async () => {
    setWebGPUFlags({SEMIFIELD_WEBGPU_FORWARD_PROGRAM: 'factorised', SEMIFIELD_WEBGPU_FACTORISED_BACKWARD: 'always'});
    const factorisable = (c: ExtremeCase) =>
      typeof c.semifield !== 'string' && (c.semifield.name === 'log' || c.semifield.p > 0);
    await runAll(sampleExtremeCases(SEED, FACTORISED_SAMPLE, factorisable));
  });
});
