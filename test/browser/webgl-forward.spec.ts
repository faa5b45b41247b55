import * as tf from '@tensorflow/tfjs';
import {expect} from 'chai';
import {SEMIFIELD_CONV2D_KERNEL} from '../../index.js';
import {allCases, maxRelError} from '../reference/cases.js';
import {referenceConv2d} from '../reference/reference.js';
import {onBackend, rendererName, useWebGL} from './webgl_helpers.js';

// docs/design.md §5: GPU backends agree with the float64 reference within 1e-4 (relative, floor 1).
const TOL = 1e-4;

for (const pack of [true, false])
  describe(`webgl: fused forward kernel vs the float64 reference (shared matrix), ${pack ? 'packed' : 'scalar'} programs`, () => {
    before(async () => {
      const backend = await useWebGL({pack});
      if (pack) console.log(`webgl renderer: ${rendererName(backend)}`);
    });
    after(async () => {
      await useWebGL();
    });

    const cases = allCases();
    for (const c of cases) {
      it(c.name, async () => {
        const x = tf.tensor4d(c.x, c.xShape as [number, number, number, number]);
        const w = tf.tensor4d(c.w, c.wShape as [number, number, number, number]);
        const before = tf.memory().numTensors;
        const attrs = {
          semifield: JSON.stringify(
            typeof c.semifield === 'string'
              ? {name: c.semifield, ...(c.semifield === 'log' ? {mu: 1} : c.semifield === 'root' ? {p: 2} : {})}
              : c.semifield,
          ),
          strides: c.geometry.strides,
          dilations: c.geometry.dilations,
          pad: c.geometry.pad,
          groups: c.geometry.groups,
        };
        const outs = tf
          .engine()
          .runKernel(SEMIFIELD_CONV2D_KERNEL, {x, filter: w} as never, attrs as never) as unknown as tf.Tensor[];
        const {y: ref} = referenceConv2d(c.x, c.xShape, c.w, c.wShape, c.ref, c.geometry);
        const y = await outs[0].data();
        expect(maxRelError(y, ref), 'y vs float64 reference').to.be.at.most(TOL);
        if (c.ref.name === 'maxplus' || c.ref.name === 'minplus') {
          expect(outs.length).to.equal(2);
          expect(outs[1].dtype).to.equal('int32');
          // Provenance must match the CPU kernel's exactly (same scan order, same tie rule).
          const cpuProv = await onBackend('cpu', async () => {
            const xc = tf.tensor4d(c.x, c.xShape as [number, number, number, number]);
            const wc = tf.tensor4d(c.w, c.wShape as [number, number, number, number]);
            const o = tf
              .engine()
              .runKernel(
                SEMIFIELD_CONV2D_KERNEL,
                {x: xc, filter: wc} as never,
                attrs as never,
              ) as unknown as tf.Tensor[];
            const p = await o[1].data();
            tf.dispose([xc, wc, ...o]);
            return p;
          });
          expect(Array.from(await outs[1].data())).to.deep.equal(Array.from(cpuProv));
        } else {
          expect(outs.length).to.equal(1);
        }
        tf.dispose(outs);
        expect(tf.memory().numTensors).to.equal(before);
        tf.dispose([x, w]);
      });
    }
  });

describe('webgl: provenance ties keep the first term in scan order (di, dj, c)', () => {
  before(async () => {
    await useWebGL();
  });
  // Integer-valued data: many exactly equal terms per window.
  for (const semifield of ['maxplus', 'minplus'] as const) {
    for (const groups of [1, 4]) {
      for (const strides of [1, 2]) {
        it(`${semifield}, groups ${groups}, strides ${strides}, pad 'same'`, async () => {
          const xShape: [number, number, number, number] = [1, 7, 9, 4];
          const wShape: [number, number, number, number] = [3, 3, 4 / groups, 4];
          const xv = Float32Array.from({length: 7 * 9 * 4}, (_, n) => n % 3);
          const wv = Float32Array.from({length: wShape.reduce((a, b) => a * b)}, (_, n) => (n % 2) - 1);
          const [pt, pl] = [1, 1];
          const outH = Math.ceil(7 / strides);
          const outW = Math.ceil(9 / strides);
          const attrs = {
            semifield: JSON.stringify({name: semifield}),
            strides: [strides, strides],
            dilations: [1, 1],
            pad: [
              pt,
              Math.max(0, (outH - 1) * strides + 3 - 7) - pt,
              pl,
              Math.max(0, (outW - 1) * strides + 3 - 9) - pl,
            ],
            groups,
          };
          const prov = async () => {
            const x = tf.tensor4d(xv, xShape);
            const w = tf.tensor4d(wv, wShape);
            const outs = tf
              .engine()
              .runKernel(SEMIFIELD_CONV2D_KERNEL, {x, filter: w} as never, attrs as never) as unknown as tf.Tensor[];
            const p = Array.from(await outs[1].data());
            const y = Array.from(await outs[0].data());
            tf.dispose([x, w, ...outs]);
            return {p, y};
          };
          const gl = await prov();
          const cpu = await onBackend('cpu', prov);
          const bad = gl.p
            .map((k, n) =>
              k !== cpu.p[n] || gl.y[n] !== cpu.y[n] ? `${n}: gl ${k}/${gl.y[n]} cpu ${cpu.p[n]}/${cpu.y[n]}` : '',
            )
            .filter((m) => m);
          expect(bad, 'outputs whose provenance or value differ').to.deep.equal([]);
        });
      }
    }
  }
});
