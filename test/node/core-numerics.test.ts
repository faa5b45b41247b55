import * as tf from '@tensorflow/tfjs';
import {expect} from 'chai';
import {semifieldConv2d, type SemifieldConfig} from '../../index.js';
import {normal, uniform} from '../reference/random.js';
import {referenceConv2d} from '../reference/reference.js';
import {explicitPad} from '../reference/cases.js';

/* docs/design.md §5 edge cases, on the fused CPU kernels and the composite path. */

const impls = ['fused', 'composite'] as const;

function gradsOf(x: tf.Tensor4D, w: tf.Tensor4D, sf: SemifieldConfig, opts: object) {
  return tf.grads((a: tf.Tensor, b: tf.Tensor) =>
    tf.sum(semifieldConv2d(a as tf.Tensor4D, b as tf.Tensor4D, sf, opts)),
  )([x, w]);
}

function allFinite(t: tf.Tensor): boolean {
  return Array.from(t.dataSync()).every(Number.isFinite);
}

describe('numerics', () => {
  for (const implementation of impls) {
    describe(`${implementation} path`, () => {
      it('log(mu = 0.01) with |x/mu| ~ 1e6 stays finite and is within mu·log(n) of max-plus', () => {
        tf.tidy(() => {
          const x = tf.tensor4d(uniform(1 * 6 * 6 * 2, -1e4, 1e4, 3), [1, 6, 6, 2]);
          const w = tf.tensor4d(normal(3 * 3 * 2 * 2, 4), [3, 3, 2, 2]);
          const soft = semifieldConv2d(x, w, {name: 'log', mu: 0.01}, {implementation});
          const hard = semifieldConv2d(x, w, 'maxplus', {implementation});
          expect(allFinite(soft)).to.equal(true);
          const gap = tf.sub(soft, hard);
          // max ≤ smooth max ≤ max + μ·log(n) with n = 18 terms (plus float32 rounding at |y| ~ 1e4).
          expect(tf.min(gap).dataSync()[0]).to.be.at.least(-2e-3);
          expect(tf.max(gap).dataSync()[0]).to.be.at.most(0.01 * Math.log(18) + 2e-3);
          const [dx, dw] = gradsOf(x, w, {name: 'log', mu: 0.01}, {implementation});
          expect(allFinite(dx) && allFinite(dw)).to.equal(true);
          // Σ_k ∂y/∂t_k = 1 per output for the log semifield, so dw sums to the number of outputs —
          // up to the float32 rounding of the stored y: |δy| ≤ ulp(1e4)/2 ≈ 4.9e-4 scales every
          // weight of a window by e^{δy/μ} ≤ e^{0.049}, i.e. within 5 %.
          expect(tf.sum(dw).dataSync()[0]).to.be.closeTo(soft.size, soft.size * 0.05);
        });
      });
      it('log(mu → 0⁻) tends to min-plus', () => {
        tf.tidy(() => {
          const x = tf.tensor4d(normal(1 * 5 * 5 * 1, 5), [1, 5, 5, 1]);
          const w = tf.tensor4d(normal(2 * 2 * 1 * 1, 6), [2, 2, 1, 1]);
          const soft = semifieldConv2d(x, w, {name: 'log', mu: -1e-3}, {implementation});
          const hard = semifieldConv2d(x, w, 'minplus', {implementation});
          expect(tf.max(tf.abs(tf.sub(soft, hard))).dataSync()[0]).to.be.at.most(1e-3 * Math.log(4) + 1e-6);
        });
      });
      it('root(p = 50) does not overflow float32 where Σ t^p would (t up to 1e3, t^50 = 1e150)', () => {
        tf.tidy(() => {
          const xv = uniform(1 * 5 * 5 * 2, 1, 1000, 7);
          const wv = uniform(2 * 2 * 2 * 1, 0.5, 1, 8);
          const x = tf.tensor4d(xv, [1, 5, 5, 2]);
          const w = tf.tensor4d(wv, [2, 2, 2, 1]);
          const y = semifieldConv2d(x, w, {name: 'root', p: 50}, {implementation});
          expect(allFinite(y)).to.equal(true);
          const ref = referenceConv2d(
            xv,
            [1, 5, 5, 2],
            wv,
            [2, 2, 2, 1],
            {name: 'root', p: 50},
            {strides: [1, 1], dilations: [1, 1], pad: [0, 0, 0, 0], groups: 1},
          );
          const got = y.dataSync();
          ref.y.forEach((r, i) => expect(Math.abs(got[i] - r) / r).to.be.at.most(1e-5));
          const [dx, dw] = gradsOf(x, w, {name: 'root', p: 50}, {implementation});
          expect(allFinite(dx) && allFinite(dw)).to.equal(true);
        });
      });
      const semifields: SemifieldConfig[] = [
        'maxplus',
        'minplus',
        'log',
        {name: 'log', mu: -1},
        'root',
        {name: 'root', p: -2},
        'linear',
      ];
      for (const sf of semifields) {
        it(`${JSON.stringify(sf)}: empty windows give 𝟘 and zero gradient, never NaN`, () => {
          tf.tidy(() => {
            // Padding 3 with a 2×2 filter: the corner windows read no pixel at all.
            const x = tf.tensor4d(uniform(1 * 3 * 3 * 2, 0.5, 2, 9), [1, 3, 3, 2]);
            const w = tf.tensor4d(uniform(2 * 2 * 2 * 2, 0.5, 1.5, 10), [2, 2, 2, 2]);
            const opts = {pad: 3, implementation};
            const y = semifieldConv2d(x, w, sf, opts);
            const zero =
              {maxplus: -Infinity, minplus: Infinity, linear: 0}[sf as string] ??
              (typeof sf === 'object' && sf.name === 'log'
                ? sf.mu! > 0
                  ? -Infinity
                  : Infinity
                : typeof sf === 'object' && sf.name === 'root'
                  ? sf.p! > 0
                    ? 0
                    : Infinity
                  : sf === 'log'
                    ? -Infinity
                    : 0);
            const yv = y.dataSync();
            expect(yv[0]).to.equal(zero);
            expect(Array.from(yv).some(Number.isNaN)).to.equal(false);
            const [dx, dw] = gradsOf(x, w, sf, opts);
            // The loss sums 𝟘 = ±∞ outputs; what matters is that nothing is NaN and the
            // gradient only comes from the non-empty windows.
            expect(Array.from(dx.dataSync()).some(Number.isNaN)).to.equal(false);
            expect(Array.from(dw.dataSync()).some(Number.isNaN)).to.equal(false);
          });
        });
      }
      it('±∞ terms: max-plus ignores −∞ inputs and passes +∞ without NaN; log ignores −∞', () => {
        tf.tidy(() => {
          const xv = normal(1 * 4 * 4 * 1, 11);
          xv[0] = -Infinity;
          xv[5] = -Infinity;
          xv[10] = Infinity;
          const x = tf.tensor4d(xv, [1, 4, 4, 1]);
          const w = tf.tensor4d(normal(2 * 2, 12), [2, 2, 1, 1]);
          for (const sf of ['maxplus', 'log'] as const) {
            const y = semifieldConv2d(x, w, sf, {implementation});
            const ref = referenceConv2d(xv, [1, 4, 4, 1], w.dataSync(), [2, 2, 1, 1], sf, {
              strides: [1, 1],
              dilations: [1, 1],
              pad: [0, 0, 0, 0],
              groups: 1,
            });
            const got = y.dataSync();
            ref.y.forEach((r, i) => {
              if (!Number.isFinite(r)) expect(got[i]).to.equal(r);
              else expect(Math.abs(got[i] - r)).to.be.at.most(1e-5 * Math.max(1, Math.abs(r)));
            });
            const [dx, dw] = gradsOf(x, w, sf, {implementation});
            expect(Array.from(dx.dataSync()).some(Number.isNaN), `${sf} dx NaN`).to.equal(false);
            expect(Array.from(dw.dataSync()).some(Number.isNaN), `${sf} dw NaN`).to.equal(false);
          }
        });
      });
      it('selection ties go to the first term in scan order (di, dj, c)', () => {
        tf.tidy(() => {
          const x = tf.zeros([1, 3, 3, 2]) as tf.Tensor4D;
          const w = tf.zeros([2, 2, 2, 1]) as tf.Tensor4D;
          const [dx, dw] = gradsOf(x, w, 'maxplus', {implementation});
          // Every window is a tie; all gradient goes to tap (0, 0), channel 0.
          expect(Array.from(dw.dataSync())).to.deep.equal([4, 0, 0, 0, 0, 0, 0, 0]);
          expect(tf.sum(dx).dataSync()[0]).to.equal(4);
        });
      });
    });
  }
});

/*
 * The CPU log kernels factor e^{(x+w)/μ} into per-input and per-filter exponentials anchored at the
 * window's dominant x and the filter's dominant entry (kernels/cpu/log_factorised.ts). When those
 * anchors sit at different taps, far apart in units of μ, every factor product underflows and the
 * kernels must fall back to the exact form: two equal terms 0 here, so y = μ·log 2 and each term
 * carries half the gradient — 1,000·μ away from the anchors' sum.
 */
describe('log kernels with far-apart anchors (factorised fast path falls back)', () => {
  for (const mu of [0.1, -0.1]) {
    for (const implementation of impls) {
      it(`${implementation}, mu = ${mu}: y = mu·log 2 and gradients 1/2, against the float64 reference`, () => {
        const a = mu > 0 ? 100 : -100;
        const x = tf.tensor4d([a, 0, 0.5, 0], [1, 1, 4, 1]);
        const w = tf.tensor4d([-a, 0], [1, 2, 1, 1]);
        const sf = {name: 'log', mu} as const;
        const y = semifieldConv2d(x, w, sf, {implementation});
        const ref = referenceConv2d([a, 0, 0.5, 0], [1, 1, 4, 1], [-a, 0], [1, 2, 1, 1], sf, {
          strides: [1, 1],
          dilations: [1, 1],
          pad: [0, 0, 0, 0],
          groups: 1,
        });
        const got = Array.from(y.dataSync());
        got.forEach((v, k) => expect(v, `y[${k}]`).to.be.closeTo(ref.y[k], 1e-5));
        expect(got[0]).to.be.closeTo(mu * Math.log(2), 1e-6);
        // Only the first output has far anchors; weight the outputs 1, 0, 0 to read its gradient.
        const r = tf.tensor4d([1, 0, 0], [1, 1, 3, 1]);
        const [dx, dw] = tf.grads((p: tf.Tensor, q: tf.Tensor) =>
          tf.sum(tf.mul(semifieldConv2d(p as tf.Tensor4D, q as tf.Tensor4D, sf, {implementation}), r)),
        )([x, w]);
        expect(Array.from(dx.dataSync()).map((v) => +v.toFixed(5))).to.deep.equal([0.5, 0.5, 0, 0]);
        expect(Array.from(dw.dataSync()).map((v) => +v.toFixed(5))).to.deep.equal([0.5, 0.5]);
        tf.dispose([x, w, y, r, dx, dw]);
      });
    }
  }
});

/*
 * The CPU selection forward scans a window once per 4 output channels when groups have several
 * (kernels/cpu/SemifieldConv2D.ts, selectionForwardBlocked). Small integers make most windows
 * ties; the provenance must still be the first best term in scan order (di, dj, c), for every
 * channel of a block, including the partial last block.
 */
describe('cpu selection provenance with ties, several output channels per group', () => {
  const cases = [
    {xShape: [2, 5, 6, 4], k: 3, cout: 6, groups: 1, pad: 'same' as const, strides: 1},
    {xShape: [2, 5, 6, 4], k: 3, cout: 6, groups: 2, pad: 'valid' as const, strides: 1},
    {xShape: [1, 7, 7, 3], k: 2, cout: 5, groups: 1, pad: 'same' as const, strides: 2},
  ];
  for (const sf of ['maxplus', 'minplus'] as const) {
    for (const c of cases) {
      it(`${sf} ${JSON.stringify(c)}: provenance and y equal a first-best scan`, () => {
        const [B, H, W, Cin] = c.xShape;
        const cpg = Cin / c.groups;
        const opg = c.cout / c.groups;
        const xv = Array.from(uniform(B * H * W * Cin, -2.5, 2.5, 31), Math.round);
        const wv = Array.from(uniform(c.k * c.k * cpg * c.cout, -2.5, 2.5, 32), Math.round);
        const x = tf.tensor4d(xv, [B, H, W, Cin]);
        const w = tf.tensor4d(wv, [c.k, c.k, cpg, c.cout]);
        const [top, bottom, left, right] = explicitPad(c.pad, [H, W], [c.k, c.k], [c.strides, c.strides], [1, 1]);
        const attrs = {
          semifield: JSON.stringify({name: sf}),
          strides: [c.strides, c.strides],
          dilations: [1, 1],
          pad: [top, bottom, left, right],
          groups: c.groups,
        };
        const [y, prov] = tf
          .engine()
          .runKernel('SemifieldConv2D', {x, filter: w} as never, attrs as never) as unknown as tf.Tensor[];
        const [, OH, OW] = y.shape;
        const better = sf === 'maxplus' ? (a: number, b: number) => a > b : (a: number, b: number) => a < b;
        const yv = y.dataSync();
        const pv = prov.dataSync();
        let ties = 0;
        for (let b = 0; b < B; b++)
          for (let i = 0; i < OH; i++)
            for (let j = 0; j < OW; j++)
              for (let o = 0; o < c.cout; o++) {
                const g = Math.floor(o / opg);
                let best = sf === 'maxplus' ? -Infinity : Infinity;
                let at = -1;
                let count = 0;
                for (let di = 0; di < c.k; di++)
                  for (let dj = 0; dj < c.k; dj++)
                    for (let ch = 0; ch < cpg; ch++) {
                      const ih = i * c.strides + di - top;
                      const iw = j * c.strides + dj - left;
                      if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
                      const t =
                        xv[((b * H + ih) * W + iw) * Cin + g * cpg + ch] +
                        wv[((di * c.k + dj) * cpg + ch) * c.cout + o];
                      if (t === best) count++;
                      if (better(t, best)) {
                        best = t;
                        at = (di * c.k + dj) * cpg + ch;
                        count = 1;
                      }
                    }
                if (count > 1) ties++;
                const n: number = ((b * OH + i) * OW + j) * c.cout + o;
                if (pv[n] !== at || yv[n] !== best)
                  expect.fail(`output ${n} (o = ${o}): provenance ${pv[n]}, y ${yv[n]}; expected ${at}, ${best}`);
              }
        expect(ties, 'windows with tied best terms').to.be.greaterThan(10);
        tf.dispose([x, w, y, prov]);
      });
    }
  }
});
