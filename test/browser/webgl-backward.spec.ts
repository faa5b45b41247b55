import * as tf from '@tensorflow/tfjs';
import {expect} from 'chai';
import {allCases, maxRelError, probeCoords, upstreamFor} from '../reference/cases.js';
import {finiteDifferenceGrad} from '../reference/reference.js';
import {onBackend, runCase, useWebGL} from './webgl_helpers.js';

// docs/design.md §5: GPU results agree within 1e-4 (relative, floor 1).
const TOL = 1e-4;
const PROBES = 6;

describe('webgl: fused backward kernels (dx, dfilter) vs the CPU kernels and finite differences', () => {
  before(async () => {
    await useWebGL();
  });

  allCases().forEach((c, n) => {
    it(c.name, async () => {
      const seed = 1000 + n;
      const before = tf.memory().numTensors;
      const gl = await runCase(c, seed);
      expect(tf.memory().numTensors, 'tensors leaked').to.equal(before);
      const cpu = await onBackend('cpu', () => runCase(c, seed));
      expect(maxRelError(gl.y, cpu.y), 'y vs cpu').to.be.at.most(TOL);
      expect(maxRelError(gl.dx, cpu.dx), 'dx vs cpu').to.be.at.most(TOL);
      expect(maxRelError(gl.dw, cpu.dw), 'dw vs cpu').to.be.at.most(TOL);
      // Tie the GPU gradients to the definition too: central differences of the float64 reference.
      const r = upstreamFor(gl.y.length, seed);
      for (const which of ['x', 'w'] as const) {
        const got = which === 'x' ? gl.dx : gl.dw;
        const coords = probeCoords(got.length, PROBES, seed + (which === 'x' ? 0 : 1));
        const fd = finiteDifferenceGrad(c.x, c.xShape, c.w, c.wShape, c.ref, c.geometry, r, which, coords);
        expect(
          maxRelError(
            coords.map((k) => got[k]),
            fd,
          ),
          `d${which} vs finite differences`,
        ).to.be.at.most(TOL);
      }
    });
  });
});
