import * as tf from '@tensorflow/tfjs';
import {expect} from 'chai';
import {morphology} from '../../index.js';
import {BORDERS, ELEMENTS, MORPH_FNS, morphCases, type MorphCase} from '../reference/morphology_cases.js';
import {
  finiteDifferences,
  maxRelError,
  refMorphology,
  refReconstruction,
  type RefMorph,
} from '../reference/morphology_reference.js';
import {runMorphCaseAsync} from '../reference/morphology_run.js';
import {uniform} from '../reference/random.js';
import {useWebGL} from './webgl_helpers.js';
import {useWebGPU} from './webgpu_helpers.js';

/*
 * morphology on the GPU backends (fused kernels) vs the float64 reference and finite differences:
 * every function and border mode, on a non-flat element (and the flat one for the forward pass
 * and dx: a flat element is a kink in se). Tolerance 1e-4 (docs/design.md §5).
 */
const TOL = 1e-4;

function refOf(c: MorphCase, se: ArrayLike<number> = c.se): RefMorph {
  return {shape: c.shape, se, seSize: c.seSize, origin: c.origin, border: c.border};
}

async function check(c: MorphCase) {
  const got = await runMorphCaseAsync(c);
  expect(maxRelError(got.y, refMorphology(c.fn, c.x, refOf(c))), `${c.name}: y`).to.be.below(TOL);
  expect(
    maxRelError(
      got.dx,
      finiteDifferences((v) => refMorphology(c.fn, v, refOf(c)), c.x, c.r),
    ),
    `${c.name}: dx`,
  ).to.be.below(1e-3);
  if (c.se.every((v) => v === 0)) return;
  expect(
    maxRelError(
      got.dse,
      finiteDifferences((v) => refMorphology(c.fn, c.x, refOf(c, v)), c.se, c.r),
    ),
    `${c.name}: dse`,
  ).to.be.below(1e-3);
}

// Reads are asynchronous (data(), not dataSync()): tfjs's synchronous WebGPU read-back goes
// through a canvas and failed on SwiftShader ("createBuffer failed ... mappedAtCreation").
for (const backend of ['webgl', 'webgpu']) {
  describe(`morphology on ${backend}: float64 reference, finite-difference gradients`, function () {
    this.timeout(180000);
    before(async () => {
      if (backend === 'webgl') await useWebGL();
      else await useWebGPU();
    });
    after(async () => {
      await tf.setBackend('cpu');
    });
    // Flat 3×3 and the non-flat 2×3 element with an off-centre origin, every border mode.
    const cases = morphCases(MORPH_FNS, [ELEMENTS[0], ELEMENTS[2]], BORDERS, 7);
    it(`${cases.length} cases: every function × border × element`, async () => {
      const before = tf.memory().numTensors;
      for (const c of cases) await check(c);
      expect(tf.memory().numTensors, 'leak').to.equal(before);
    });
    it('reconstruction by dilation and by erosion reaches the float64 fixed point', async () => {
      const shape: [number, number, number, number] = [1, 7, 8, 2];
      const n = 7 * 8 * 2;
      for (const method of ['dilation', 'erosion'] as const) {
        const mask = uniform(n, 0, 1, 21);
        const noise = uniform(n, 0, 1, 22);
        const marker = Float32Array.from(mask, (v, k) => (noise[k] < 0.15 ? v - 0.05 : method === 'dilation' ? 0 : 1));
        const want = refReconstruction(marker, mask, {shape, se: new Float32Array(18), seSize: [3, 3]}, method);
        const [markerT, maskT] = [tf.tensor4d(marker, shape), tf.tensor4d(mask, shape)];
        const out = await morphology.reconstructionAsync(markerT, maskT, {method});
        const got = await out.data();
        tf.dispose([out, markerT, maskT]);
        expect(maxRelError(got, want), method).to.be.below(TOL);
      }
    });
  });
}
