import * as tf from '@tensorflow/tfjs';
import {expect} from 'chai';
import fc from 'fast-check';
import {fftRadix2, nextPowerOfTwo} from '../../src/primitives/index.js';
import {expectThrowsNoLeak, randomArray, seededUniform} from './conv-reference.js';

/** The DFT straight from its definition, in float64. */
function dft(re: ArrayLike<number>, im: ArrayLike<number>, inverse: boolean): {re: Float64Array; im: Float64Array} {
  const n = re.length;
  const outRe = new Float64Array(n);
  const outIm = new Float64Array(n);
  const sign = inverse ? 1 : -1;
  for (let k = 0; k < n; k++) {
    for (let j = 0; j < n; j++) {
      const a = (sign * 2 * Math.PI * ((j * k) % n)) / n;
      outRe[k] += re[j] * Math.cos(a) - im[j] * Math.sin(a);
      outIm[k] += re[j] * Math.sin(a) + im[j] * Math.cos(a);
    }
    if (inverse) {
      outRe[k] /= n;
      outIm[k] /= n;
    }
  }
  return {re: outRe, im: outIm};
}

describe('fftRadix2: O(N log N) FFT from tfjs ops', function () {
  this.timeout(60000);
  before(async () => {
    await tf.setBackend('cpu');
  });

  it('equals the float64 DFT for N = 1 … 256, batched, forward and inverse (max error ≤ 1e-5·√N·‖x‖∞·log₂N)', () => {
    fc.assert(
      fc.property(
        fc.integer({min: 0, max: 8}),
        fc.integer({min: 1, max: 3}),
        fc.boolean(),
        fc.boolean(),
        fc.integer(),
        (log2n, rows, inverse, complexInput, seed) => {
          const n = 2 ** log2n;
          const rand = seededUniform(seed);
          const re = randomArray(rows * n, rand);
          const im = complexInput ? randomArray(rows * n, rand) : new Float32Array(rows * n);
          const before = tf.memory().numTensors;
          const out = tf.tidy(() =>
            fftRadix2({re: tf.tensor2d(re, [rows, n]), im: complexInput ? tf.tensor2d(im, [rows, n]) : null}, inverse),
          );
          const gotRe = out.re.dataSync();
          const gotIm = out.im.dataSync();
          tf.dispose([out.re, out.im]);
          expect(tf.memory().numTensors).to.equal(before);
          const tol = 1e-5 * Math.sqrt(n) * Math.max(1, log2n) * (inverse ? 1 / n : 1);
          for (let r = 0; r < rows; r++) {
            const want = dft(re.subarray(r * n, (r + 1) * n), im.subarray(r * n, (r + 1) * n), inverse);
            for (let k = 0; k < n; k++) {
              expect(Math.abs(gotRe[r * n + k] - want.re[k])).to.be.below(tol);
              expect(Math.abs(gotIm[r * n + k] - want.im[k])).to.be.below(tol);
            }
          }
        },
      ),
      {numRuns: 40, seed: 2},
    );
  });

  it('round-trips and agrees with tf.spectral.fft on cpu', () => {
    const x = tf.randomNormal([4, 64]);
    const f = fftRadix2({re: x, im: null});
    const back = fftRadix2(f, true);
    expect(tf.max(tf.abs(tf.sub(back.re, x))).dataSync()[0]).to.be.below(1e-5);
    const spectral = tf.spectral.fft(tf.complex(x, tf.zerosLike(x)));
    expect(tf.max(tf.abs(tf.sub(tf.real(spectral), f.re))).dataSync()[0]).to.be.below(1e-4);
    expect(tf.max(tf.abs(tf.sub(tf.imag(spectral), f.im))).dataSync()[0]).to.be.below(1e-4);
    expect(nextPowerOfTwo(1)).to.equal(1);
    expect(nextPowerOfTwo(33)).to.equal(64);
  });

  it('rejects lengths that are not powers of two, and mismatched parts, without leaking', () => {
    const a = tf.zeros([2, 12]);
    const b = tf.zeros([2, 8]);
    const c = tf.zeros([2, 4]);
    expectThrowsNoLeak(
      () => fftRadix2({re: a, im: null}),
      /^x: fftRadix2 needs a power-of-two length on the last axis, but got shape \[2,12\]/,
    );
    expectThrowsNoLeak(() => fftRadix2({re: b, im: c}), /^x.im: expected the shape of x.re \[2,8\], but got \[2,4\]/);
    tf.dispose([a, b, c]);
  });
});

describe('FFT conv on wasm, which registers no FFT kernel', function () {
  this.timeout(60000);
  before(async () => {
    await import('@tensorflow/tfjs-backend-wasm');
    await tf.setBackend('wasm');
  });
  after(async () => {
    await tf.setBackend('cpu');
  });

  it("'auto' runs the radix-2 transform and matches tf.conv2d; 'spectral' throws naming the option; the autotuner skips it", async () => {
    const {conv2dFft, findConvAlgorithm} = await import('../../src/primitives/index.js');
    expect(tf.getBackend()).to.equal('wasm');
    expect(tf.getKernel('FFT', 'wasm')).to.equal(undefined);
    const x = tf.randomNormal([1, 13, 11, 2]) as tf.Tensor4D;
    const w = tf.randomNormal([5, 5, 2, 3]) as tf.Tensor4D;
    const y = conv2dFft(x, w, 1, 'same');
    const ref = tf.conv2d(x, w, 1, 'same');
    expect(tf.max(tf.abs(tf.sub(y, ref))).dataSync()[0]).to.be.below(1e-4);
    expectThrowsNoLeak(
      () => conv2dFft(x, w, 1, 'same', 'NHWC', 1, {transform: 'spectral'}),
      /^options.transform: 'spectral' needs tfjs FFT kernels, which backend 'wasm' does not register/,
    );
    const choice = findConvAlgorithm([1, 13, 11, 2], [5, 5, 2, 3], {
      pad: 'same',
      warmup: 0,
      minTimeMs: 0,
      minRepeats: 1,
      maxRepeats: 1,
    });
    const spectral = choice.timings.find((t) => t.algorithm === 'fft-spectral')!;
    expect(spectral.applicable).to.equal(false);
    expect(spectral.reason).to.match(/registers no FFT kernel/);
    tf.dispose([x, w, y, ref]);
  });
});
