import * as tf from '@tensorflow/tfjs';
import {expect} from 'chai';
import {registerSemifield, unregisterSemifield} from '../../index.js';
import {
  lseDefinition,
  lseFusedDefinition,
  maxTimesDefinition,
  runUserSemifieldCheck,
  userSemifieldChecks,
} from '../reference/user_semifields.js';
import {initWebGPUForTests} from './webgpu_helpers.js';

/*
 * Issue 18 on webgpu through Dawn (SwiftShader on CI): user semifields registered with
 * registerSemifield — max-times and log-sum-exp in tensor form (composite path) and log-sum-exp
 * with hand-written WGSL snippets (the fused kernels, and forced onto the composite path) — against
 * the float64 reference forward (1e-4, docs/design.md §5) and central differences of it backward
 * (1e-3). The same checks run on webgl and webgpu in the browser (user-semifields.spec.ts).
 */
const FUSED = ['SemifieldConv2D', 'SemifieldConv2DBackpropInput', 'SemifieldConv2DBackpropFilter'];

describe('webgpu (Node, Dawn): user semifields vs the float64 reference', function () {
  this.timeout(300_000);
  before(async () => {
    await initWebGPUForTests();
    for (const d of [maxTimesDefinition, lseDefinition, lseFusedDefinition]) registerSemifield(d);
  });
  after(async () => {
    for (const name of ['maxtimes', 'lse', 'lsefused']) unregisterSemifield(name);
    await tf.setBackend('cpu');
  });

  for (const c of userSemifieldChecks) {
    it(`${c.semifield}, implementation '${c.implementation}': ${c.path} path, forward and both gradients`, async () => {
      const got = await runUserSemifieldCheck(c);
      expect(tf.getBackend()).to.equal('webgpu');
      if (c.path === 'fused') expect(got.kernels).to.include.members(FUSED);
      else expect(got.kernels).to.not.include.members(FUSED.slice(0, 1));
      expect(got.leaked, 'tensors leaked').to.equal(0);
      expect(got.y, 'y').to.be.below(1e-4);
      expect(got.dx, 'dx').to.be.below(1e-3);
      expect(got.dw, 'dw').to.be.below(1e-3);
    });
  }
});
