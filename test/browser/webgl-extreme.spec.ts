import * as tf from '@tensorflow/tfjs';
import {expect} from 'chai';
import {semifieldConv2d} from '../../index.js';
import {checkExtremeCase, extremeCases, extremeLabel} from '../reference/extreme_cases.js';
import {useWebGL} from './webgl_helpers.js';

/*
 * Issue 15 on WebGL: reproductions 1–3 and 5 (0 · ∞ gradient terms, root p < 1 weights) and the
 * shared extreme-value cases against the float64 reference (no NaN where it is defined).
 */
describe('webgl: issue 15 edge numerics', () => {
  before(async () => {
    await useWebGL();
  });
  const run = (x: number[], w: number[], wShape: number[], sf: never) =>
    tf.tidy(() => {
      const xt = tf.tensor4d(x, [1, 1, x.length, 1]);
      const wt = tf.tensor4d(w, wShape as [number, number, number, number]);
      const [dx, dw] = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
        tf.sum(semifieldConv2d(a as tf.Tensor4D, b as tf.Tensor4D, sf)),
      )([xt, wt]);
      return {dx: Array.from(dx.dataSync()), dw: Array.from(dw.dataSync())};
    });
  it('1. root p=2, x=[−∞, 1], filter [1]: dL/dfilter = [1]', () => {
    expect(run([-Infinity, 1], [1], [1, 1, 1, 1], {name: 'root', p: 2} as never).dw).to.deep.equal([1]);
  });
  it('2. root p=−1, x=[1, 1], filter [+∞, 2]: dL/dx = [0, 2]', () => {
    const dx = run([1, 1], [Infinity, 2], [1, 2, 1, 1], {name: 'root', p: -1} as never).dx;
    expect(dx[0]).to.equal(0);
    expect(dx[1]).to.be.closeTo(2, 1e-4);
  });
  it('3. root p=2, x=[1, 2], filter [−∞]: dL/dx = [0, 0]', () => {
    expect(run([1, 2], [-Infinity], [1, 1, 1, 1], {name: 'root', p: 2} as never).dx).to.deep.equal([0, 0]);
  });
  it('5. root p=0.5, x=[1e-15, 1e15], filter [1e-15, 1e15]: dL/dx = [1e15, 1e15]', () => {
    const dx = run([1e-15, 1e15], [1e-15, 1e15], [1, 2, 1, 1], {name: 'root', p: 0.5} as never).dx;
    for (const v of dx) expect(Math.abs(v - 1e15) / 1e15).to.be.below(1e-3);
  });
  it('600 seeded extreme-value cases: no NaN where the float64 value is defined', async function () {
    this.timeout(600_000);
    const nanFailures: string[] = [];
    for (const c of extremeCases(15, 600)) {
      // Yield to the page now and then: a synchronous loop starves karma's ping (disconnect).
      if (c.index % 5 === 0) await new Promise((resolve) => setTimeout(resolve, 0));
      const res = tf.tidy(() => {
        const x = tf.tensor4d(c.x, c.xShape);
        const w = tf.tensor4d(c.w, c.wShape);
        const r = tf.tensor4d(c.upstream, c.yShape);
        const y = semifieldConv2d(x, w, c.semifield, c.options);
        const [dx, dw] = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
          tf.sum(tf.mul(semifieldConv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.semifield, c.options), r)),
        )([x, w]);
        return {y: y.dataSync().slice(), yShape: y.shape, dx: dx.dataSync().slice(), dw: dw.dataSync().slice()};
      });
      const f = checkExtremeCase(c, res, {y: 1e-4, grad: 1e-3}).filter((line) => line.includes('= NaN where'));
      if (f.length) nanFailures.push(`${extremeLabel(c)}\n    ${f.slice(0, 3).join('\n    ')}`);
    }
    expect(nanFailures.length, nanFailures.slice(0, 10).join('\n')).to.equal(0);
  });
});
