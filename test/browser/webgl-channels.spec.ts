/*
 * Channel groupings outside the shared matrix (whose Cin = Cout = 4 gives only even or depthwise
 * groups): odd channels per group and odd outputs per group take the packed programs' general
 * path, and odd totals leave half-used texels at the edges. Forward and both gradients, against
 * the CPU kernels, for one semifield of each kind of gradient rule.
 */
import {expect} from 'chai';
import {caseData, type ConvCase, explicitPad, maxRelError, refSemifield} from '../reference/cases.js';
import {onBackend, runCase, useWebGL} from './webgl_helpers.js';

const TOL = 1e-4;

const layouts: Array<{cin: number; cout: number; groups: number}> = [
  {cin: 3, cout: 4, groups: 1}, // cpg 3, opg 4
  {cin: 1, cout: 4, groups: 1}, // cpg 1, opg 4 (a first layer on grey images)
  {cin: 6, cout: 3, groups: 3}, // cpg 2, opg 1
  {cin: 4, cout: 6, groups: 2}, // cpg 2, opg 3
  {cin: 5, cout: 5, groups: 5}, // depthwise, odd channel count
  {cin: 3, cout: 5, groups: 1}, // odd everything
];

describe('webgl: odd channel groupings (packed general path), forward + gradients vs the CPU kernels', () => {
  before(async () => {
    await useWebGL();
  });
  let seed = 300;
  for (const {cin, cout, groups} of layouts) {
    for (const semifield of ['maxplus', {name: 'log', mu: 0.5}, 'root', 'linear'] as const) {
      for (const pad of ['valid', 'same'] as const) {
        const s = seed++;
        const name = `Cin ${cin} → Cout ${cout}, groups ${groups}, ${JSON.stringify(semifield)}, ${pad}`;
        it(name, async () => {
          const xShape = [2, 6, 7, cin];
          const k: [number, number] = [3, 2];
          const data = caseData(semifield, groups, xShape, k, s);
          const wShape = [k[0], k[1], cin / groups, cout];
          const w = data.w.slice(
            0,
            wShape.reduce((a, b) => a * b),
          ); // caseData sizes Cout = Cin
          const grown = new Float32Array(wShape.reduce((a, b) => a * b));
          for (let n = 0; n < grown.length; n++) grown[n] = w[n % w.length] + 0.01 * (n % 7);
          const c: ConvCase = {
            name,
            semifield,
            ref: refSemifield(semifield),
            xShape,
            wShape,
            x: data.x,
            w: grown,
            options: {strides: [1, 1], dilations: [1, 1], pad, groups},
            geometry: {strides: [1, 1], dilations: [1, 1], pad: explicitPad(pad, [6, 7], k, [1, 1], [1, 1]), groups},
          };
          const gl = await runCase(c, s);
          const cpu = await onBackend('cpu', () => runCase(c, s));
          expect(maxRelError(gl.y, cpu.y), 'y').to.be.at.most(TOL);
          expect(maxRelError(gl.dx, cpu.dx), 'dx').to.be.at.most(TOL);
          expect(maxRelError(gl.dw, cpu.dw), 'dw').to.be.at.most(TOL);
        });
      }
    }
  }
});
