/*
 * The Fashion-MNIST pieces of issue 19: the IDX (gz) loader, the study's statistics, and
 * `study:pooling --quick` end to end. Every file the tests read they write themselves (a small
 * synthetic IDX data set), so no test needs Debian's dataset-fashion-mnist.
 */
import * as tf from '@tensorflow/tfjs';
import {expect} from 'chai';
import {execFile} from 'node:child_process';
import {existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {promisify} from 'node:util';
import {gzipSync} from 'node:zlib';
import {loadIdxSplit, loadMnist, seededRandom} from '../../examples/node-mnist/data.js';
import {buildModel} from '../../examples/node-mnist/models.js';
import {trainAndEvaluate} from '../../examples/node-mnist/train.js';
import {encodeIdx, idxFileNames, parseIdx, readIdxFile, writeIdxFile} from '../../examples/node-mnist/idx.js';
import {buildStudyModel, studyVariants} from '../../examples/pooling-study/models.js';
import {finalAccuracy, type StudyResults} from '../../examples/pooling-study/report.js';
import {releaseStudyData, runOne} from '../../examples/pooling-study/run.js';
import {registerFastCpuKernels, unregisterFastCpuKernels} from '../../src/entries/cpu-fast.js';
import {
  incompleteBeta,
  mean,
  meanDifferenceInterval,
  pairedComparison,
  signTestTwoSided,
  std,
  studentTTwoSided,
  tCritical,
} from '../../examples/pooling-study/stats.js';
import {onCpu} from './layers-helpers.js';

/**
 * A learnable stand-in for Fashion-MNIST in its file layout: class k is a bright 6×6 block at one of
 * ten places on a noisy background (so a small CNN separates the classes within one epoch).
 */
function writeSyntheticIdx(
  dir: string,
  train: number,
  test: number,
  gzip: boolean,
): {trainImages: Uint8Array; trainLabels: Uint8Array} {
  const random = seededRandom(42);
  const make = (count: number) => {
    const images = new Uint8Array(count * 784);
    const labels = new Uint8Array(count);
    for (let n = 0; n < count; n++) {
      const k = n % 10;
      labels[n] = k;
      for (let p = 0; p < 784; p++) images[n * 784 + p] = Math.floor(random() * 60);
      const top = 3 + 14 * Math.floor(k / 5);
      const left = 1 + 5 * (k % 5);
      for (let i = top; i < top + 6; i++)
        for (let j = left; j < left + 5; j++) images[n * 784 + i * 28 + j] = 200 + Math.floor(random() * 55);
    }
    return {images, labels};
  };
  const a = make(train);
  const b = make(test);
  const ext = gzip ? '.gz' : '';
  writeIdxFile(join(dir, idxFileNames.trainImages + ext), {dtype: 'uint8', shape: [train, 28, 28], data: a.images});
  writeIdxFile(join(dir, idxFileNames.trainLabels + ext), {dtype: 'uint8', shape: [train], data: a.labels});
  writeIdxFile(join(dir, idxFileNames.testImages + ext), {dtype: 'uint8', shape: [test, 28, 28], data: b.images});
  writeIdxFile(join(dir, idxFileNames.testLabels + ext), {dtype: 'uint8', shape: [test], data: b.labels});
  return {trainImages: a.images, trainLabels: a.labels};
}

describe('IDX loader (examples/node-mnist/idx.ts)', () => {
  onCpu();
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'semifield-idx-'));
  });
  after(() => rmSync(dir, {recursive: true, force: true}));

  it('parses a hand-written header: big-endian dimensions, values row-major', () => {
    // 00 00 08 02 | 2 | 3 | six bytes: uint8, shape [2, 3]
    const bytes = Uint8Array.from([0, 0, 8, 2, 0, 0, 0, 2, 0, 0, 0, 3, 1, 2, 3, 4, 5, 250]);
    const a = parseIdx(bytes);
    expect(a.dtype).to.equal('uint8');
    expect(a.shape).to.deep.equal([2, 3]);
    expect(Array.from(a.data)).to.deep.equal([1, 2, 3, 4, 5, 250]);
    // gzip is recognised by content, not by name.
    const b = parseIdx(new Uint8Array(gzipSync(bytes)));
    expect(b.shape).to.deep.equal(a.shape);
    expect(Array.from(b.data)).to.deep.equal(Array.from(a.data));
  });

  it('round-trips every IDX type, plain and gzip-compressed, through files', () => {
    const cases = [
      {dtype: 'uint8', data: Uint8Array.from([0, 1, 127, 128, 255, 7])},
      {dtype: 'int8', data: Int8Array.from([-128, -1, 0, 1, 127, 5])},
      {dtype: 'int16', data: Int16Array.from([-32768, -2, 0, 3, 32767, 258])},
      {dtype: 'int32', data: Int32Array.from([-2147483648, -70000, 0, 1, 2147483647, 65536])},
      {dtype: 'float32', data: Float32Array.from([-1.5, 0, 3.25, 1e-30, -Infinity, 6e7])},
      {dtype: 'float64', data: Float64Array.from([Math.PI, -0, 1e300, -2.5, 7, Number.MIN_VALUE])},
    ] as const;
    for (const c of cases) {
      for (const name of [`${c.dtype}.idx`, `${c.dtype}.idx.gz`]) {
        const path = join(dir, name);
        writeIdxFile(path, {dtype: c.dtype, shape: [3, 2], data: c.data});
        const raw = readFileSync(path);
        expect(raw[0] === 0x1f && raw[1] === 0x8b, `${name} gzip magic`).to.equal(name.endsWith('.gz'));
        const back = readIdxFile(path);
        expect(back.dtype, name).to.equal(c.dtype);
        expect(back.shape, name).to.deep.equal([3, 2]);
        expect(Array.from(back.data), name).to.deep.equal(Array.from(c.data));
      }
    }
  });

  it('rejects what is not IDX, truncated data and a header that does not fit the data, naming the file', () => {
    expect(() => parseIdx(Uint8Array.from([0x50, 0x4b, 3, 4]), 'x.zip')).to.throw(/x\.zip: not an IDX file/);
    expect(() => parseIdx(Uint8Array.from([0, 0, 0x42, 1, 0, 0, 0, 1, 9]), 'y')).to.throw(
      /y: unknown IDX type code 0x42/,
    );
    expect(() => parseIdx(Uint8Array.from([0, 0, 8, 3, 0, 0, 0, 2]), 'z')).to.throw(/z: truncated header/);
    const ok = encodeIdx({dtype: 'uint8', shape: [2, 3], data: new Uint8Array(6)}, false);
    expect(() => parseIdx(ok.subarray(0, ok.length - 1), 'w')).to.throw(
      /w: shape \[2, 3\] of uint8 needs 18 bytes, but the data has 17/,
    );
  });

  for (const gzip of [true, false]) {
    it(`loadIdxSplit reads a Fashion-MNIST-layout folder (${gzip ? '.gz' : 'plain'} files): pixels / 255, one-hot labels, seeded subsets`, () => {
      const sub = mkdtempSync(join(dir, 'set-'));
      const written = writeSyntheticIdx(sub, 40, 20, gzip);
      const full = loadIdxSplit(sub, 40, 20, 1);
      expect(full.trainImages.shape).to.deep.equal([40, 28, 28, 1]);
      expect(full.testLabels.shape).to.deep.equal([20, 10]);
      // The whole set in file order: exactly the written bytes / 255.
      const pixels = full.trainImages.dataSync();
      for (let i = 0; i < written.trainImages.length; i++) {
        if (pixels[i] !== Math.fround(written.trainImages[i] / 255))
          expect.fail(`pixel ${i}: ${pixels[i]} vs ${written.trainImages[i]}/255`);
      }
      expect(Array.from(tf.argMax(full.trainLabels, 1).dataSync())).to.deep.equal(Array.from(written.trainLabels));
      // A subset: seeded (same seed, same images), a different seed gives another subset, and every
      // subset image is one of the file's images with its own label.
      const a = loadIdxSplit(sub, 15, 5, 3);
      const b = loadIdxSplit(sub, 15, 5, 3);
      const c = loadIdxSplit(sub, 15, 5, 4);
      expect(Array.from(a.trainImages.dataSync())).to.deep.equal(Array.from(b.trainImages.dataSync()));
      expect(Array.from(a.trainImages.dataSync())).to.not.deep.equal(Array.from(c.trainImages.dataSync()));
      const subsetPixels = a.trainImages.dataSync();
      const subsetLabels = tf.argMax(a.trainLabels, 1).dataSync();
      for (let n = 0; n < 15; n++) {
        const image = subsetPixels.subarray(n * 784, (n + 1) * 784);
        const k = [...Array(40).keys()].find((m) => image.every((v, p) => v === pixels[m * 784 + p]));
        expect(k, `subset image ${n} is a training image of the file`).to.not.equal(undefined);
        expect(subsetLabels[n], `label of subset image ${n}`).to.equal(written.trainLabels[k!]);
      }
      expect(() => loadIdxSplit(sub, 41, 5, 1)).to.throw(/--train: .* holds 40 train images, but 41 were requested/);
      tf.dispose([full, a, b, c].flatMap((s) => [s.trainImages, s.trainLabels, s.testImages, s.testLabels]));
    });
  }

  it('names the missing file and the Debian package when the folder holds no data set', () => {
    expect(() => loadIdxSplit(dir, 1, 1, 1)).to.throw(
      /train-images-idx3-ubyte\.gz nor train-images-idx3-ubyte found .*dataset-fashion-mnist/,
    );
  });
});

describe('training in chunks (examples/node-mnist/train.ts)', () => {
  onCpu();

  it('model.fit over chunks of whole batches trains exactly as over the whole set (webgpu binds each chunk, not 188 MB)', async () => {
    const data = loadMnist(200, 50, 3);
    const train = async (chunkImages: number | undefined) => {
      const model = buildModel('baseline', 1);
      const result = await trainAndEvaluate(model, data, {
        epochs: 2,
        batchSize: 16,
        learningRate: 0.004,
        learningRateDecay: 0.7,
        augmentShift: 1,
        seed: 1,
        chunkImages,
      });
      const weights = model.getWeights().map((w) => Array.from(w.dataSync()));
      model.dispose();
      return {result, weights};
    };
    // tfjs-cpu's own training kernels take ~20 s per run here; the typed-array ones well under 1 s.
    registerFastCpuKernels();
    let whole;
    let chunked;
    try {
      whole = await train(undefined);
      chunked = await train(40); // chunks of 32 images (2 batches of 16): 7 fit calls, the last of 8 images
    } finally {
      unregisterFastCpuKernels();
    }
    expect(chunked.weights).to.deep.equal(whole.weights);
    expect(chunked.result.testAccuracyPerEpoch).to.deep.equal(whole.result.testAccuracyPerEpoch);
    for (let e = 0; e < 2; e++)
      expect(chunked.result.trainAccuracyPerEpoch[e]).to.be.closeTo(whole.result.trainAccuracyPerEpoch[e], 1e-6);
    tf.dispose([data.trainImages, data.trainLabels, data.testImages, data.testLabels]);
  });
});

describe('pooling study statistics (examples/pooling-study/stats.ts)', () => {
  // Reference values from scipy 1.17 (stats.t.sf, stats.ttest_rel, stats.binomtest, special.betainc).
  it('Student t two-sided p-values and the incomplete beta match scipy', () => {
    const cases: [number, number, number][] = [
      [2, 2, 0.18350341907227397],
      [3, 5, 0.030099247897462586],
      [0.5, 1, 0.7048327646991335],
      [10, 2, 0.00985245702332569],
      [-1.3, 9, 0.22590637267304933],
    ];
    for (const [t, df, p] of cases) expect(studentTTwoSided(t, df), `t ${t}, df ${df}`).to.be.closeTo(p, 1e-10);
    expect(incompleteBeta(0.3, 2.5, 0.5)).to.be.closeTo(0.018927124071945658, 1e-12);
    expect(studentTTwoSided(Infinity, 2)).to.equal(0);
    // scipy.stats.t.ppf(0.975, df)
    expect(tCritical(2)).to.be.closeTo(4.302652729749462, 1e-8);
    expect(tCritical(5)).to.be.closeTo(2.5705818356363146, 1e-8);
    expect(tCritical(1)).to.be.closeTo(12.706204736174694, 1e-7);
  });

  it('the paired comparison is scipy.stats.ttest_rel, plus the sign count and an exact sign test', () => {
    const c = pairedComparison([0.912, 0.905, 0.921], [0.901, 0.903, 0.915]);
    expect(c.differences.map((d) => +d.toFixed(12))).to.deep.equal([0.011, 0.002, 0.006]);
    expect(c.t).to.be.closeTo(2.4327007187250236, 1e-9);
    expect(c.df).to.equal(2);
    expect(c.p).to.be.closeTo(0.13547006513274887, 1e-9);
    expect([c.wins, c.ties, c.losses]).to.deep.equal([3, 0, 0]);
    expect(c.signP).to.be.closeTo(0.25, 1e-12);
    // mean ± t(0.975, 2)·sd/√3 (scipy: stats.t.interval(0.95, 2, loc=mean, scale=sem))
    const [lo, hi] = meanDifferenceInterval(c);
    const half = (4.302652729749462 * c.stdDifference) / Math.sqrt(3);
    expect(lo).to.be.closeTo(c.meanDifference - half, 1e-10);
    expect(hi).to.be.closeTo(c.meanDifference + half, 1e-10);
    expect(signTestTwoSided(1, 6)).to.be.closeTo(0.21875, 1e-12);
    expect(signTestTwoSided(8, 10)).to.be.closeTo(0.109375, 1e-12);
    expect(mean([1, 2, 6])).to.equal(3);
    expect(std([1, 2, 6])).to.be.closeTo(Math.sqrt(7), 1e-12);
    // Degenerate cases: identical runs, and a constant non-zero difference.
    const same = pairedComparison([0.9, 0.8], [0.9, 0.8]);
    expect([same.p, same.ties]).to.deep.equal([1, 2]);
    const constant = pairedComparison([0.91, 0.81], [0.9, 0.8]);
    expect(constant.p).to.be.lessThan(1e-6);
    expect(() => pairedComparison([1], [1, 2])).to.throw(/1 values against 2/);
  });
});

describe('study:pooling (examples/pooling-study)', () => {
  onCpu();
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'semifield-pooling-study-'));
    writeSyntheticIdx(dir, 300, 100, true);
  });
  after(() => rmSync(dir, {recursive: true, force: true}));

  it('npm run example -- --dataset fashion-mnist trains the main example on IDX files', async () => {
    const out = join(dir, 'example-out');
    const args = [
      '--import',
      'tsx',
      'examples/node-mnist/main.ts',
      '--dataset',
      'fashion-mnist',
      '--data-dir',
      dir,
      '--train',
      '100',
      '--test',
      '50',
      '--epochs',
      '1',
      '--variants',
      'baseline',
      '--jobs',
      '1',
      '--out',
      out,
      '--no-progress',
    ];
    const {stdout} = await promisify(execFile)(process.execPath, args, {cwd: process.cwd(), maxBuffer: 1 << 24});
    expect(stdout).to.contain(`Fashion-MNIST (${dir}): 100 training / 50 test images`);
    expect(stdout).to.match(/\| baseline \| conv \+ max-pool \(tfjs layers\) \| \d+ \| \d+\.\d\d% \|/);
    expect(existsSync(join(out, 'baseline', 'model.json'))).to.equal(true);
  });

  it('every variant maps [b, 28, 28, 1] to [b, 10] with the same skeleton; learned pools add only their kernel parameters', () => {
    const x = tf.randomUniform([2, 28, 28, 1], 0, 1, 'float32', 3);
    const params: Record<string, number> = {};
    for (const variant of studyVariants) {
      const model = buildStudyModel(variant, 1);
      expect((model.predict(x) as tf.Tensor).shape, variant).to.deep.equal([2, 10]);
      params[variant] = model.countParams();
      model.dispose();
    }
    // The conv variants swap a layer of the same size; the pools add a few scale / angle parameters.
    expect(params['maxplus-conv']).to.equal(params['max-pool']);
    expect(params['log-conv']).to.equal(params['max-pool']);
    for (const v of ['quad-iso', 'quad-aniso', 'log-pool'])
      expect(params[v] - params['max-pool'], v).to.be.within(1, 200);
    x.dispose();
  });

  it('--quick runs end to end in child processes: results.json, REPORT.md with the paired comparison, PNG + SVG plots, and the same numbers as a run in this process', async function () {
    this.timeout(180000); // 35–55 s measured on the shared 2-core development machine
    const out = join(dir, 'out');
    const args = [
      '--import',
      'tsx',
      'examples/pooling-study/main.ts',
      '--quick',
      '--data-dir',
      dir,
      '--train',
      '200',
      '--test',
      '100',
      '--epochs',
      '2',
      '--batch-size',
      '20',
      '--seeds',
      '2',
      '--variants',
      'max-pool,quad-iso',
      '--jobs',
      '2',
      '--out',
      out,
      '--no-progress',
    ];
    const {stdout} = await promisify(execFile)(process.execPath, args, {cwd: process.cwd(), maxBuffer: 1 << 24});
    expect(stdout).to.match(/4\/4 runs done/);
    const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as StudyResults;
    expect(results.meta.complete).to.equal(true);
    expect(results.meta.jobs).to.equal(2);
    expect(results.runs.map((r) => `${r.variant}#${r.seed}`).sort()).to.deep.equal([
      'max-pool#1',
      'max-pool#2',
      'quad-iso#1',
      'quad-iso#2',
    ]);
    for (const r of results.runs) {
      expect(r.testAccuracy, `${r.variant}#${r.seed} accuracy per epoch`).to.have.length(2);
      expect(r.secondsPerEpoch).to.have.length(2);
      // The synthetic classes are easy: a run that learned nothing (10 %) means the wiring broke.
      expect(finalAccuracy(r), `${r.variant}#${r.seed}`).to.be.greaterThan(0.5);
    }
    for (const f of ['accuracy', 'accuracy_per_epoch', 'seconds_per_epoch']) {
      expect(readFileSync(join(out, `${f}.svg`), 'utf8')).to.match(/^<svg/);
      expect(
        readFileSync(join(out, `${f}.png`))
          .subarray(1, 4)
          .toString(),
      ).to.equal('PNG');
    }
    const report = readFileSync(join(out, 'REPORT.md'), 'utf8');
    // The report's numbers are the runs' numbers: the baseline mean, and the per-seed difference.
    const acc = (v: string, s: number) => finalAccuracy(results.runs.find((r) => r.variant === v && r.seed === s)!);
    const baseMean = (acc('max-pool', 1) + acc('max-pool', 2)) / 2;
    expect(report).to.contain(`max-pool reached ${(100 * baseMean).toFixed(2)} %`);
    const d1 = acc('quad-iso', 1) - acc('max-pool', 1);
    expect(report).to.contain(`1: ${d1 >= 0 ? '+' : '−'}${Math.abs(100 * d1).toFixed(2)}`);
    expect(report).to.match(/## Paired comparison with max-pool/);
    expect(report).to.match(/### Does learned pooling beat max-pool here\?\n\n- \*\*quad-iso\*\*/);
    expect(report).to.contain('seeded subsets');
    // A child process computes what this process computes.
    let here;
    try {
      here = await runOne({variant: 'quad-iso', seed: 2}, results.config);
    } finally {
      // runOne installs the fast cpu kernels in this process, as the study's processes do; the
      // other suites test tfjs's own kernels.
      unregisterFastCpuKernels();
      releaseStudyData();
    }
    const there = results.runs.find((r) => r.variant === 'quad-iso' && r.seed === 2)!;
    expect(here.testAccuracy).to.deep.equal(there.testAccuracy);
    expect(here.trainAccuracy).to.deep.equal(there.trainAccuracy);
    // --report-only regenerates the same report from results.json.
    writeFileSync(join(out, 'REPORT.md'), '');
    await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', 'examples/pooling-study/main.ts', '--report-only', '--out', out],
      {cwd: process.cwd()},
    );
    expect(readFileSync(join(out, 'REPORT.md'), 'utf8')).to.equal(report);
    expect(existsSync(join(out, 'accuracy.png'))).to.equal(true);
  });
});
