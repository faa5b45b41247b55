import * as tf from '@tensorflow/tfjs';
import {expect} from 'chai';
import {allCases, maxRelError, probeCoords, upstreamFor} from '../reference/cases.js';
import {finiteDifferenceGrad, referenceConv2d} from '../reference/reference.js';
import {runCase, useBackend, type Implementation} from './helpers.js';

/*
 * The whole case matrix (8 semifields × 3 paddings × 4 stride/dilation settings × 3 group counts,
 * batch 2, non-square 7×6 input, 3×2 filter) against the float64 reference:
 * - forward: max |y − ref| / max(1, |ref|) ≤ 1e-5 (docs/design.md §5, CPU tolerance);
 * - gradients: central finite differences of the float64 reference on probed coordinates,
 *   |g − fd| ≤ 2e-4 · max(1, |fd|) (float32 kernels vs float64 differences).
 */
const FORWARD_TOL = 1e-5;
const GRAD_TOL = 2e-4;

const cases = allCases();

function checkAgainstReference(implementation: Implementation, gradientCases: 'all' | 'every-third') {
  cases.forEach((c, index) => {
    it(c.name, () => {
      const ref = referenceConv2d(c.x, c.xShape, c.w, c.wShape, c.ref, c.geometry);
      const upstream = upstreamFor(ref.y.length, index);
      const got = runCase(c, implementation, upstream);
      expect(got.yShape).to.deep.equal(ref.shape);
      const err = maxRelError(got.y, ref.y);
      expect(err, `forward error ${err}`).to.be.at.most(FORWARD_TOL);
      if (gradientCases === 'every-third' && index % 3 !== 0) return;
      for (const which of ['x', 'w'] as const) {
        const n = which === 'x' ? c.x.length : c.w.length;
        const coords = probeCoords(n, 40, index);
        const fd = finiteDifferenceGrad(c.x, c.xShape, c.w, c.wShape, c.ref, c.geometry, upstream, which, coords);
        const analytic = which === 'x' ? got.dx : got.dw;
        coords.forEach((k, i) => {
          const diff = Math.abs(analytic[k] - fd[i]);
          expect(diff, `d${which}[${k}]: kernel ${analytic[k]} vs finite difference ${fd[i]}`).to.be.at.most(
            GRAD_TOL * Math.max(1, Math.abs(fd[i])),
          );
        });
      }
    });
  });
}

describe('semifieldConv2d vs float64 reference', () => {
  describe('fused CPU kernels (backend cpu)', () => {
    useBackend('cpu');
    checkAgainstReference('fused', 'all');
  });
  describe('composite path on cpu', () => {
    useBackend('cpu');
    checkAgainstReference('composite', 'all');
  });
  describe('composite path on wasm (auto-selected: wasm has no fused kernels)', () => {
    useBackend('wasm');
    it('wasm really has no fused kernel, so auto means composite', () => {
      expect(tf.getBackend()).to.equal('wasm');
      expect(tf.getKernel('SemifieldConv2D', 'wasm')).to.equal(undefined);
    });
    checkAgainstReference('composite', 'every-third');
  });
});
