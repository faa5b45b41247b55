/*
 * The pieces of examples/node-mnist that are not just wiring: the seeded split of the mnist
 * package, the replacement cpu Conv2DBackpropFilter (must equal tfjs's own kernel), the model
 * folder format (reloads to identical predictions), and every variant's shapes.
 */
import * as tf from '@tensorflow/tfjs';
import {expect} from 'chai';
import {mkdtemp, rm} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {loadMnist, seededRandom, shiftDigits} from '../../examples/node-mnist/data.js';
import '@tensorflow/tfjs-backend-wasm';
import {
  installFastConv2DBackpropFilter,
  installWasmConv2DBackpropFilter,
  uninstallFastConv2DBackpropFilter,
} from '../../examples/node-mnist/fast_conv2d_backprop_filter.js';
import {loadModelFromFolder, saveModelToFolder} from '../../examples/node-mnist/model_io.js';
import {buildModel, variantNames} from '../../examples/node-mnist/models.js';
import {normal} from '../reference/random.js';
import {expectClose, onCpu} from './layers-helpers.js';

describe('examples/node-mnist', () => {
  onCpu();

  it('splits the 10,000 shipped digits 8,000 / 2,000 reproducibly, every class present, pixels in [0, 1]', () => {
    const a = loadMnist(8000, 2000, 1);
    const b = loadMnist(8000, 2000, 1);
    expect(a.trainImages.shape).to.deep.equal([8000, 28, 28, 1]);
    expect(a.testImages.shape).to.deep.equal([2000, 28, 28, 1]);
    expect(Array.from(a.testLabels.dataSync())).to.deep.equal(Array.from(b.testLabels.dataSync()));
    const counts = tf.sum(a.testLabels, 0).dataSync();
    for (let d = 0; d < 10; d++) expect(counts[d], `test digits of class ${d}`).to.be.within(120, 290);
    expect(tf.min(a.trainImages).dataSync()[0]).to.be.at.least(0);
    expect(tf.max(a.trainImages).dataSync()[0]).to.be.at.most(1);
    // A different seed gives a different split.
    const c = loadMnist(8000, 2000, 2);
    expect(Array.from(c.testLabels.dataSync())).to.not.deep.equal(Array.from(a.testLabels.dataSync()));
    tf.dispose([a, b, c].flatMap((s) => [s.trainImages, s.trainLabels, s.testImages, s.testLabels]));
  });

  it('shiftDigits moves each digit by its own (dy, dx) within ±maxShift and fills with background', () => {
    const count = 50;
    const images = Float32Array.from(normal(count * 784, 71), (v) => Math.abs(v) + 0.01); // no zero pixels
    const maxShift = 2;
    const shifted = shiftDigits(images, maxShift, seededRandom(5));
    // Replay the draws: dy then dx per digit, each floor(r·(2s+1)) − s.
    const replay = seededRandom(5);
    const seen = new Set<string>();
    for (let n = 0; n < count; n++) {
      const dy = Math.floor(replay() * (2 * maxShift + 1)) - maxShift;
      const dx = Math.floor(replay() * (2 * maxShift + 1)) - maxShift;
      seen.add(`${dy},${dx}`);
      for (let i = 0; i < 28; i++) {
        for (let j = 0; j < 28; j++) {
          const si = i - dy;
          const sj = j - dx;
          const expected = si >= 0 && si < 28 && sj >= 0 && sj < 28 ? images[n * 784 + si * 28 + sj] : 0;
          if (shifted[n * 784 + i * 28 + j] !== expected) expect.fail(`digit ${n} shifted by (${dy}, ${dx}): pixel (${i}, ${j})`);
        }
      }
    }
    expect(seen.size, 'distinct shifts drawn').to.be.greaterThan(10);
    expect(Array.from(shiftDigits(images, 0, seededRandom(5)))).to.deep.equal(Array.from(images));
  });

  it("the replacement Conv2DBackpropFilter equals tfjs's own cpu kernel (rtol 1e-5)", () => {
    const shapes: Array<{x: [number, number, number, number]; k: number; cout: number; strides: number; pad: 'valid' | 'same'}> = [
      {x: [2, 9, 8, 3], k: 3, cout: 4, strides: 1, pad: 'valid'},
      {x: [3, 7, 7, 2], k: 3, cout: 5, strides: 2, pad: 'same'},
      {x: [1, 6, 5, 1], k: 2, cout: 3, strides: 1, pad: 'same'},
    ];
    for (const s of shapes) {
      const x = tf.relu(tf.tensor4d(normal(s.x.reduce((a, b) => a * b), 61), s.x)) as tf.Tensor4D;
      const w = tf.tensor4d(normal(s.k * s.k * s.x[3] * s.cout, 62), [s.k, s.k, s.x[3], s.cout]);
      installFastConv2DBackpropFilter();
      try {
        const r = tf.randomNormal(tf.conv2d(x, w, s.strides, s.pad).shape, 0, 1, 'float32', 63);
        const withR = (wv: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(x, wv as tf.Tensor4D, s.strides, s.pad), r));
        const ours = tf.grad(withR)(w).dataSync();
        uninstallFastConv2DBackpropFilter();
        const reference = tf.grad(withR)(w).dataSync();
        expectClose(ours, reference, 1e-5, 1e-5, `dW for ${JSON.stringify(s)}`);
        expect(ours.length).to.equal(w.size);
      } finally {
        uninstallFastConv2DBackpropFilter();
      }
    }
  });

  it("the wasm Conv2DBackpropFilter (absent from tfjs-backend-wasm 4.22) equals the cpu gradient (rtol 1e-5)", async () => {
    const x = tf.tensor4d(normal(2 * 7 * 6 * 3, 64), [2, 7, 6, 3]);
    const w = tf.tensor4d(normal(3 * 3 * 3 * 4, 65), [3, 3, 3, 4]);
    const r = tf.tensor4d(normal(2 * 4 * 3 * 4, 66), [2, 4, 3, 4]);
    const loss = (wv: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(x, wv as tf.Tensor4D, 2, 'same'), r));
    const onCpu = tf.grad(loss)(w).dataSync().slice();
    const xs = x.dataSync().slice();
    const ws = w.dataSync().slice();
    const rs = r.dataSync().slice();
    try {
      await tf.setBackend('wasm');
      installWasmConv2DBackpropFilter();
      const [xw, ww, rw] = [tf.tensor4d(xs, [2, 7, 6, 3]), tf.tensor4d(ws, [3, 3, 3, 4]), tf.tensor4d(rs, [2, 4, 3, 4])];
      const onWasm = tf.grad((wv: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(xw, wv as tf.Tensor4D, 2, 'same'), rw)))(ww).dataSync();
      expectClose(onWasm, onCpu, 1e-5, 1e-5, 'wasm dW');
    } finally {
      await tf.setBackend('cpu');
    }
  });

  it('every variant maps [b, 28, 28, 1] to [b, 10] and reloads from its folder with identical predictions', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'semifield-mnist-'));
    try {
      const x = tf.randomUniform([3, 28, 28, 1], 0, 1, 'float32', 5);
      for (const variant of variantNames) {
        const model = buildModel(variant, 1);
        const y = model.predict(x) as tf.Tensor;
        expect(y.shape, variant).to.deep.equal([3, 10]);
        await saveModelToFolder(model, join(folder, variant));
        const loaded = await loadModelFromFolder(join(folder, variant));
        expect(Array.from((loaded.predict(x) as tf.Tensor).dataSync()), variant).to.deep.equal(Array.from(y.dataSync()));
        model.dispose();
        loaded.dispose();
      }
    } finally {
      await rm(folder, {recursive: true, force: true});
    }
  });
});
