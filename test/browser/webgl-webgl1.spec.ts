/*
 * WebGL 1 (WEBGL_VERSION 1): tfjs still supports it (its prelude then declares INFINITY as a
 * uniform, has no integer `%` and needs constant loop bounds), so the fused kernels must run there
 * too. A subset of the shared matrix, forward and both gradients, against the CPU kernels — for the
 * packed and the scalar programs (the scalar backward programs are covered here only).
 */
import * as tf from '@tensorflow/tfjs';
import {expect} from 'chai';
import {hasFusedKernels} from '../../index.js';
import {allCases, caseSteps, maxRelError} from '../reference/cases.js';
import {onBackend, runCase, useWebGL} from './webgl_helpers.js';

const TOL = 1e-4;

// Both program families: packed (WEBGL_PACK, tfjs's default) and scalar.
for (const pack of [true, false])
  describe(`webgl 1: fused kernels (forward + both gradients) vs the CPU kernels, ${pack ? 'packed' : 'scalar'} programs`, () => {
    before(async () => {
      await useWebGL({version: 1, pack});
      expect(tf.env().getNumber('WEBGL_VERSION')).to.equal(1);
      expect(hasFusedKernels('webgl')).to.equal(true);
    });
    after(async () => {
      await useWebGL();
    });

    // Every semifield × pad, with the plain and the mixed stride/dilation step, groups 1 and Cin.
    const steps = new Set([caseSteps[0].label, caseSteps[3].label]);
    const cases = allCases().filter((c) => c.options.groups !== 2 && steps.has(c.name.split(' | ')[2]));
    cases.forEach((c, n) => {
      it(c.name, async () => {
        const gl = await runCase(c, 7000 + n);
        const cpu = await onBackend('cpu', () => runCase(c, 7000 + n));
        expect(maxRelError(gl.y, cpu.y), 'y').to.be.at.most(TOL);
        expect(maxRelError(gl.dx, cpu.dx), 'dx').to.be.at.most(TOL);
        expect(maxRelError(gl.dw, cpu.dw), 'dw').to.be.at.most(TOL);
      });
    });
  });
