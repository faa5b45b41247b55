import {expect} from 'chai';
import fc from 'fast-check';
import {gatherWindowTaps, makeWindowTaps} from '../../kernels/cpu/cpu_util.js';
import {computeSemifieldConvInfo} from '../../src/ops/conv_info.js';

/*
 * gatherWindowTaps is the window iteration of the CPU backward kernels and log kernels: every
 * in-image tap of one output pixel, in scan order (di, dj), as (input offset, filter row). Checked
 * against the definition (docs/design.md §3) written out directly, over random geometries with
 * strides, dilations, asymmetric padding and groups.
 */
describe('cpu kernels: gatherWindowTaps', () => {
  it('lists exactly the in-image taps of each output pixel, in scan order, with their offsets', () => {
    const geometry = fc.record({
      b: fc.integer({min: 1, max: 2}),
      h: fc.integer({min: 1, max: 7}),
      w: fc.integer({min: 1, max: 7}),
      groups: fc.integer({min: 1, max: 3}),
      cpg: fc.integer({min: 1, max: 2}),
      kh: fc.integer({min: 1, max: 4}),
      kw: fc.integer({min: 1, max: 4}),
      sh: fc.integer({min: 1, max: 3}),
      sw: fc.integer({min: 1, max: 3}),
      dh: fc.integer({min: 1, max: 2}),
      dw: fc.integer({min: 1, max: 2}),
      pads: fc.array(fc.integer({min: 0, max: 3}), {minLength: 4, maxLength: 4}),
    });
    fc.assert(
      fc.property(geometry, (g) => {
        const cin = g.groups * g.cpg;
        const pad: [[number, number], [number, number]] = [
          [g.pads[0], g.pads[1]],
          [g.pads[2], g.pads[3]],
        ];
        let info;
        try {
          info = computeSemifieldConvInfo([g.b, g.h, g.w, cin], [g.kh, g.kw, g.cpg, g.groups], {
            strides: [g.sh, g.sw],
            dilations: [g.dh, g.dw],
            pad,
            groups: g.groups,
          });
        } catch {
          return; // padded input smaller than the dilated filter: no output to iterate
        }
        const taps = makeWindowTaps(info);
        for (let b = 0; b < info.batch; b++) {
          for (let i = 0; i < info.outHeight; i++) {
            for (let j = 0; j < info.outWidth; j++) {
              const expected: Array<[number, number]> = [];
              for (let di = 0; di < g.kh; di++) {
                for (let dj = 0; dj < g.kw; dj++) {
                  const ih = i * g.sh + di * g.dh - g.pads[0];
                  const iw = j * g.sw + dj * g.dw - g.pads[2];
                  if (ih >= 0 && ih < g.h && iw >= 0 && iw < g.w) expected.push([((b * g.h + ih) * g.w + iw) * cin, (di * g.kw + dj) * g.cpg]);
                }
              }
              const n = gatherWindowTaps(info, b, i, j, taps);
              expect(n).to.equal(taps.count);
              const got = Array.from({length: n}, (_, t) => [taps.xOffset[t], taps.kBase[t]]);
              expect(got, JSON.stringify({g, b, i, j})).to.deep.equal(expected);
            }
          }
        }
      }),
      {numRuns: 300, seed: 17},
    );
  });
});
