/*
 * The pieces of examples/node-mnist that are not just wiring: the seeded split of the mnist
 * package, the model folder format (tfjs-semifield/node's fileSystemIO: reloads to identical predictions), and every variant's shapes.
 * The fast cpu kernels and the wasm Conv2DBackpropFilter it uses are tested in cpu-fast-kernels.test.ts.
 */
import * as tf from '@tensorflow/tfjs';
import {expect} from 'chai';
import {execFile} from 'node:child_process';
import {mkdtemp, readdir, rm} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {promisify} from 'node:util';
import {loadMnist, seededRandom, shiftDigits} from '../../examples/node-mnist/data.js';
import {fileSystemIO} from '../../src/entries/node.js';
import {buildModel, variantNames} from '../../examples/node-mnist/models.js';
import {normal} from '../reference/random.js';
import {onCpu} from './layers-helpers.js';

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
          if (shifted[n * 784 + i * 28 + j] !== expected)
            expect.fail(`digit ${n} shifted by (${dy}, ${dx}): pixel (${i}, ${j})`);
        }
      }
    }
    expect(seen.size, 'distinct shifts drawn').to.be.greaterThan(10);
    expect(Array.from(shiftDigits(images, 0, seededRandom(5)))).to.deep.equal(Array.from(images));
  });

  it('every variant maps [b, 28, 28, 1] to [b, 10] and reloads from its folder with identical predictions', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'semifield-mnist-'));
    try {
      const x = tf.randomUniform([3, 28, 28, 1], 0, 1, 'float32', 5);
      for (const variant of variantNames) {
        const model = buildModel(variant, 1);
        const y = model.predict(x) as tf.Tensor;
        expect(y.shape, variant).to.deep.equal([3, 10]);
        await model.save(fileSystemIO(join(folder, variant)));
        const loaded = await tf.loadLayersModel(fileSystemIO(join(folder, variant)));
        expect(Array.from((loaded.predict(x) as tf.Tensor).dataSync()), variant).to.deep.equal(
          Array.from(y.dataSync()),
        );
        model.dispose();
        loaded.dispose();
      }
    } finally {
      await rm(folder, {recursive: true, force: true});
    }
  });

  it('npm run example trains variants in parallel processes with the same results as one at a time', async function () {
    this.timeout(240000);
    const out = await mkdtemp(join(tmpdir(), 'semifield-mnist-run-'));
    try {
      const run = async (jobs: number) => {
        const args = [
          '--import',
          'tsx',
          'examples/node-mnist/main.ts',
          '--train',
          '320',
          '--test',
          '160',
          '--epochs',
          '2',
          '--variants',
          'baseline,maxplus-conv,log-conv',
          '--jobs',
          String(jobs),
          '--no-progress',
          '--out',
          join(out, `jobs${jobs}`),
        ];
        const {stdout} = await promisify(execFile)(process.execPath, args, {maxBuffer: 1 << 24});
        return stdout;
      };
      const rows = (stdout: string) =>
        stdout.split('\n').filter((l) => /^\| (baseline|maxplus-conv|log-conv) \|/.test(l));
      const accuracies = (stdout: string) => rows(stdout).map((l) => l.split('|')[4].trim());
      const parallel = await run(2);
      expect(parallel).to.contain('2 variants at a time');
      expect(rows(parallel), parallel).to.have.length(3);
      for (const variant of ['baseline', 'maxplus-conv', 'log-conv']) {
        expect(parallel, variant).to.match(
          new RegExp(`${variant}: test accuracy [0-9.]+%, [0-9.]+ s/epoch; saved to .* \\(reloaded: same accuracy\\)`),
        );
        expect(await readdir(join(out, 'jobs2', variant))).to.include.members(['model.json', 'weights.bin']);
      }
      const sequential = await run(1);
      expect(sequential).to.contain('one variant at a time');
      // Each process seeds everything itself, so the accuracies cannot depend on --jobs.
      expect(accuracies(parallel)).to.deep.equal(accuracies(sequential));
      // Training did something: above chance (10%) after 2 epochs on 320 digits.
      for (const a of accuracies(parallel)) expect(parseFloat(a)).to.be.greaterThan(30);
    } finally {
      await rm(out, {recursive: true, force: true});
    }
  });
});
