import * as tf from '@tensorflow/tfjs';
import {expect} from 'chai';
import {semifieldConv2d} from '../../index.js';
import {
  checkExtremeCase,
  extremeCases,
  extremeLabel,
  type ExtremeCase,
  type ExtremeResult,
} from '../reference/extreme_cases.js';
import {useBackend} from './helpers.js';

/*
 * Issue 15's randomised extreme-value suite: ≥ 2,000 seeded cases per backend (±∞ in x, ±∞ and
 * NaN in the filter, root over 1e-35..1e35, log with |x/μ| up to 1e4, windows wholly in the padding,
 * 1×1 images with 5×5 kernels) against the float64 reference: no NaN where the reference is
 * defined, infinities where it is infinite, values within tolerance elsewhere.
 */

const SEED = 15;
const COUNT = Number(process.env.EXTREME_CASES ?? 2000);

function runExtreme(c: ExtremeCase, implementation: 'fused' | 'composite' | 'auto'): ExtremeResult {
  return tf.tidy(() => {
    const x = tf.tensor4d(c.x, c.xShape);
    const w = tf.tensor4d(c.w, c.wShape);
    const opts = {...c.options, implementation};
    const r = tf.tensor4d(c.upstream, c.yShape);
    const f = (a: tf.Tensor, b: tf.Tensor) =>
      tf.sum(tf.mul(semifieldConv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.semifield, opts), r));
    const y = semifieldConv2d(x, w, c.semifield, opts);
    const [dx, dw] = tf.grads(f)([x, w]);
    return {y: y.dataSync().slice(), yShape: y.shape, dx: dx.dataSync().slice(), dw: dw.dataSync().slice()};
  });
}

const runs: Array<{
  backend: string;
  implementation: 'fused' | 'composite';
  count: number;
  tol: {y: number; grad: number};
}> = [
  {backend: 'cpu', implementation: 'fused', count: COUNT, tol: {y: 1e-5, grad: 1e-4}},
  {backend: 'wasm', implementation: 'composite', count: COUNT, tol: {y: 1e-4, grad: 1e-3}},
  {backend: 'cpu', implementation: 'composite', count: Math.ceil(COUNT / 4), tol: {y: 1e-4, grad: 1e-3}},
];

for (const {backend, implementation, count, tol} of runs) {
  describe(`extreme values vs the float64 reference: ${backend} ${implementation}, ${count} cases`, () => {
    useBackend(backend);
    it('no NaN where the float64 value is defined; infinities and values as the reference', function () {
      this.timeout(600_000);
      const before = tf.memory().numTensors;
      const failed: string[] = [];
      let nanFailures = 0;
      for (const c of extremeCases(SEED, count)) {
        const res = runExtreme(c, implementation);
        const f = checkExtremeCase(c, res, tol);
        nanFailures += f.filter((line) => line.includes('= NaN where')).length;
        if (f.length) failed.push(`${extremeLabel(c)}\n    ${f.slice(0, 4).join('\n    ')}`);
      }
      expect(tf.memory().numTensors, 'tensors leaked').to.equal(before);
      expect(
        failed.length,
        `${failed.length} of ${count} cases failed (${nanFailures} NaN where defined):\n${failed.slice(0, 12).join('\n')}`,
      ).to.equal(0);
    });
  });
}
