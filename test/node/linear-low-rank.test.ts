import * as tf from '@tensorflow/tfjs';
import {expect} from 'chai';
import fc from 'fast-check';
import {Matrix} from 'ml-matrix';
import {compressDense, lowRankFactors, LowRankDense, matrixSvd, rankForEnergy} from '../../src/primitives/index.js';

/** Seeded Gaussian matrix (mulberry32 + Box–Muller), so failures reproduce from the fast-check seed. */
function gaussian(rows: number, cols: number, seed: number): number[][] {
  let s = seed >>> 0;
  const uniform = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return Array.from({length: rows}, () =>
    Array.from({length: cols}, () => Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform())),
  );
}

function maxAbsDiff(x: ArrayLike<number>, y: ArrayLike<number>): number {
  let worst = 0;
  for (let i = 0; i < x.length; i++) worst = Math.max(worst, Math.abs(x[i] - y[i]));
  return worst;
}

/** Runs fn and checks it leaves no tensor behind. */
function expectNoLeak(fn: () => void): void {
  const before = tf.memory().numTensors;
  fn();
  expect(tf.memory().numTensors).to.equal(before);
}

describe('linear: lowRankFactors (truncated SVD through ml-matrix)', () => {
  it('full rank reproduces W (float64 reference product of the factors, tall and wide W)', () => {
    fc.assert(
      fc.property(fc.integer({min: 1, max: 24}), fc.integer({min: 1, max: 24}), fc.integer(), (rows, cols, seed) => {
        const values = gaussian(rows, cols, seed);
        tf.tidy(() => {
          const w = tf.tensor2d(values);
          const {a, b, rank} = lowRankFactors(w, {rank: Math.min(rows, cols)});
          expect(rank).to.equal(Math.min(rows, cols));
          const product = new Matrix(a.arraySync()).mmul(new Matrix(b.arraySync()));
          // float32 factors of a float64 SVD: entries of |W| ≲ 4 reconstruct to ~1e-6.
          expect(maxAbsDiff(product.to1DArray(), values.flat())).to.be.below(2e-5);
        });
      }),
      {numRuns: 25},
    );
  });

  it('rank-r error is the Eckart–Young optimum sqrt(Σ_{i>r} σ_i²)', () => {
    fc.assert(
      fc.property(
        fc.integer({min: 2, max: 20}),
        fc.integer({min: 2, max: 20}),
        fc.integer(),
        fc.double({min: 0, max: 1, noNaN: true}),
        (rows, cols, seed, frac) => {
          const values = gaussian(rows, cols, seed);
          const k = Math.min(rows, cols);
          const rank = Math.max(1, Math.min(k, Math.round(frac * k)));
          tf.tidy(() => {
            const w = tf.tensor2d(values);
            const {a, b, singularValues} = lowRankFactors(w, {rank});
            const err = tf.norm(tf.sub(tf.matMul(a, b), w)).dataSync()[0];
            let tail = 0;
            for (let i = rank; i < k; i++) tail += singularValues[i] ** 2;
            expect(err).to.be.closeTo(Math.sqrt(tail), 1e-4 * (1 + Math.sqrt(tail)));
          });
        },
      ),
      {numRuns: 25},
    );
  });

  it('singular values match ml-matrix on a known matrix, and {energy} picks the smallest sufficient rank', () => {
    tf.tidy(() => {
      const w = tf.tensor2d([
        [3, 0, 0],
        [0, 4, 0],
        [0, 0, 0.5],
        [0, 0, 0],
      ]);
      const svd = matrixSvd(w);
      expect(maxAbsDiff(svd.s, [4, 3, 0.5])).to.be.below(1e-12);
      expect(rankForEnergy(svd.s, 0.6)).to.equal(1); // 16 / 25.25
      expect(rankForEnergy(svd.s, 0.7)).to.equal(2);
      expect(rankForEnergy(svd.s, 1)).to.equal(3);
      expect(lowRankFactors(w, {energy: 0.995}).rank).to.equal(3); // 25 / 25.25 = 0.990 < 0.995;
      expect(lowRankFactors(svd, {energy: 0.9}).rank).to.equal(2);
    });
  });

  it('rejects bad input with a message naming the argument, and leaks nothing', () => {
    const w = tf.tensor2d([
      [1, 2],
      [3, 4],
    ]);
    const v = tf.tensor1d([1, 2]);
    const withNaN = tf.tensor2d([[1, NaN]]);
    expectNoLeak(() => {
      expect(() => lowRankFactors(w, {rank: 3})).to.throw(/options\.rank: expected an integer in \[1, 2\], but got 3/);
      expect(() => lowRankFactors(w, {rank: 1.5})).to.throw(/options\.rank/);
      expect(() => lowRankFactors(w, {rank: 1, energy: 0.5})).to.throw(/exactly one of \{rank\} or \{energy\}/);
      expect(() => lowRankFactors(w, {energy: 0})).to.throw(
        /options\.energy: expected a number in \(0, 1\], but got 0/,
      );
      expect(() => lowRankFactors(w, {} as never)).to.throw(/exactly one/);
      expect(() => lowRankFactors(v as never, {rank: 1})).to.throw(/w: expected a rank-2 tensor, but got rank 1/);
      expect(() => lowRankFactors([[1]] as never, {rank: 1})).to.throw(
        /w: expected a rank-2 tf\.Tensor or a MatrixSvd/,
      );
      expect(() => matrixSvd(withNaN)).to.throw(/w: expected finite entries, but got NaN/);
    });
    tf.dispose([w, v, withNaN]);
  });
});

describe('linear: LowRankDense layer', () => {
  it('computes activation((x·A)·B + bias) (float64 reference), for rank-2 and rank-3 inputs', () => {
    const layer = new LowRankDense({units: 5, rank: 2, activation: 'relu'});
    const x = tf.tensor3d(gaussian(6, 7, 3).flat(), [2, 3, 7]);
    const y = layer.apply(x) as tf.Tensor;
    expect(y.shape).to.deep.equal([2, 3, 5]);
    const [aT, bT, biasT] = layer.getWeights();
    layer.setWeights([aT, bT, tf.tensor1d([0.1, -0.2, 0.3, 0, 5])]);
    const y2 = (layer.apply(x) as tf.Tensor).reshape([6, 5]);
    const a = new Matrix(aT.arraySync() as number[][]);
    const b = new Matrix(bT.arraySync() as number[][]);
    const bias = [0.1, -0.2, 0.3, 0, 5];
    const ref = new Matrix(x.reshape([6, 7]).arraySync() as number[][]).mmul(a).mmul(b);
    const expected = ref.to2DArray().map((row) => row.map((v, j) => Math.max(0, v + bias[j])));
    expect(maxAbsDiff(y2.dataSync(), expected.flat())).to.be.below(1e-5);
    tf.dispose([x, y, y2, biasT]);
  });

  it('runs as two skinny matMuls, never materialising the [in, units] kernel', async () => {
    const layer = new LowRankDense({units: 64, rank: 4});
    const x = tf.zeros([3, 96]);
    tf.dispose(layer.apply(x) as tf.Tensor);
    const info = await tf.profile(() => layer.apply(x) as tf.Tensor);
    const matMuls = info.kernels.filter((k) => k.name === 'BatchMatMul');
    expect(matMuls.map((k) => k.outputShapes[0])).to.deep.equal([
      [3, 4],
      [3, 64],
    ]);
    expect(
      info.kernels.some((k) =>
        k.outputShapes.some((s) => s.length >= 2 && s[s.length - 2] === 96 && s[s.length - 1] === 64),
      ),
    ).to.equal(false);
    tf.dispose(info.result as tf.Tensor);
    x.dispose();
  });

  it('trains inside model.fit (gradients reach both factors)', async () => {
    const model = tf.sequential({layers: [new LowRankDense({inputShape: [8], units: 4, rank: 2})]});
    model.compile({optimizer: tf.train.sgd(0.1), loss: 'meanSquaredError'});
    const x = tf.tensor2d(gaussian(32, 8, 11));
    const y = tf.tensor2d(gaussian(32, 4, 12));
    const before = model.getWeights().map((w) => w.dataSync().slice());
    const history = await model.fit(x, y, {epochs: 3, verbose: 0});
    const after = model.getWeights().map((w) => w.dataSync());
    for (let i = 0; i < 3; i++) expect(maxAbsDiff(before[i], after[i])).to.be.above(0);
    expect(history.history.loss[2] as number).to.be.below(history.history.loss[0] as number);
    tf.dispose([x, y]);
  });

  it('rejects bad args with a message naming the argument', () => {
    expect(() => new LowRankDense({units: 0, rank: 1})).to.throw(/args\.units: expected an integer/);
    expect(() => new LowRankDense({units: 4, rank: 0})).to.throw(/args\.rank: expected an integer/);
    expect(() => new LowRankDense({units: 4, rank: 2, activation: 'nope' as never})).to.throw(/args\.activation/);
    const layer = new LowRankDense({units: 4, rank: 5});
    expect(() => layer.apply(tf.zeros([1, 8]))).to.throw(
      /args\.rank: expected at most min\(inputDim 8, units 4\) = 4, but got 5/,
    );
  });
});

function mlp(seed: number): tf.Sequential {
  return tf.sequential({
    layers: [
      tf.layers.dense({
        inputShape: [12],
        units: 10,
        activation: 'relu',
        kernelInitializer: tf.initializers.glorotUniform({seed}),
      }),
      tf.layers.dropout({rate: 0.5}),
      tf.layers.dense({
        units: 6,
        activation: 'tanh',
        kernelInitializer: tf.initializers.glorotUniform({seed: seed + 1}),
        biasInitializer: 'ones',
      }),
      tf.layers.dense({
        units: 3,
        activation: 'softmax',
        kernelInitializer: tf.initializers.glorotUniform({seed: seed + 2}),
      }),
    ],
  });
}

async function roundTrip(model: tf.LayersModel): Promise<tf.LayersModel> {
  let artifacts: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      artifacts = a;
      return {modelArtifactsInfo: {dateSaved: new Date(), modelTopologyType: 'JSON'}};
    }),
  );
  return tf.loadLayersModel(tf.io.fromMemory(artifacts!));
}

describe('linear: compressDense', () => {
  it('at full rank keeps the outputs (1e-5), replaces only Dense layers, leaves the original untouched', async () => {
    const model = mlp(1);
    const x = tf.tensor2d(gaussian(9, 12, 5));
    const ref = model.predict(x) as tf.Tensor;
    const originalWeights = model.getWeights().map((w) => w.dataSync().slice());
    const compressed = await compressDense(model, {energy: 1});
    expect(compressed.layers.map((l) => l.getClassName())).to.deep.equal([
      'LowRankDense',
      'Dropout',
      'LowRankDense',
      'LowRankDense',
    ]);
    expect(compressed.layers.map((l) => (l as LowRankDense).rank ?? null)).to.deep.equal([10, null, 6, 3]);
    const out = compressed.predict(x) as tf.Tensor;
    expect(maxAbsDiff(out.dataSync(), ref.dataSync())).to.be.below(1e-5);
    model.getWeights().forEach((w, i) => expect(maxAbsDiff(w.dataSync(), originalWeights[i])).to.equal(0));
    tf.dispose([x, ref, out]);
    compressed.dispose();
    model.dispose();
  });

  it('round-trips through save / load with identical outputs', async () => {
    const model = mlp(2);
    const compressed = await compressDense(model, {rank: 3, layers: [model.layers[0].name]});
    expect(compressed.layers.map((l) => l.getClassName())).to.deep.equal(['LowRankDense', 'Dropout', 'Dense', 'Dense']);
    const loaded = await roundTrip(compressed);
    expect(loaded.layers[0].getClassName()).to.equal('LowRankDense');
    expect(loaded.layers[0].getConfig()).to.include({units: 10, rank: 3, activation: 'relu', useBias: true});
    const x = tf.tensor2d(gaussian(4, 12, 6));
    const a = compressed.predict(x) as tf.Tensor;
    const b = loaded.predict(x) as tf.Tensor;
    expect(maxAbsDiff(a.dataSync(), b.dataSync())).to.equal(0);
    tf.dispose([x, a, b]);
    [model, compressed, loaded].forEach((m) => m.dispose());
  });

  it('picks ranks from {ratio} and works on functional models', async () => {
    const input = tf.input({shape: [40]});
    const hidden = tf.layers.dense({units: 30, activation: 'relu', name: 'hidden'}).apply(input) as tf.SymbolicTensor;
    const skip = tf.layers.dense({units: 30, name: 'skip'}).apply(input) as tf.SymbolicTensor;
    const sum = tf.layers.add().apply([hidden, skip]) as tf.SymbolicTensor;
    const out = tf.layers.dense({units: 2, name: 'out'}).apply(sum) as tf.SymbolicTensor;
    const model = tf.model({inputs: input, outputs: out});
    const compressed = await compressDense(model, {ratio: 3, layers: ['hidden', 'skip']});
    // floor(40·30 / (3·70)) = 5
    expect((compressed.getLayer('hidden') as LowRankDense).rank).to.equal(5);
    expect((compressed.getLayer('skip') as LowRankDense).rank).to.equal(5);
    expect(compressed.getLayer('out').getClassName()).to.equal('Dense');
    const full = await compressDense(model, {rank: 30, layers: ['hidden', 'skip']});
    const x = tf.tensor2d(gaussian(3, 40, 8));
    const [y0, y1] = [model.predict(x) as tf.Tensor, full.predict(x) as tf.Tensor];
    expect(maxAbsDiff(y0.dataSync(), y1.dataSync())).to.be.below(1e-4);
    tf.dispose([x, y0, y1]);
    [model, compressed, full].forEach((m) => m.dispose());
  });

  it('rejects bad options, naming the argument, and leaks nothing', async () => {
    const model = mlp(3);
    const before = tf.memory().numTensors;
    const cases: [unknown, RegExp][] = [
      [{}, /options: expected exactly one of \{rank\}, \{ratio\} or \{energy\}/],
      [{rank: 2, ratio: 2}, /exactly one/],
      [{rank: 11}, /options\.rank: expected at most min\(in, units\) = 10 for layer/],
      [{ratio: -1}, /options\.ratio: expected a number in \(0, /],
      [{energy: 2}, /options\.energy: expected a number in \(0, 1\], but got 2/],
      [{rank: 1, layers: ['nope']}, /options\.layers: expected names of Dense layers .* but got "nope"/],
      [{rank: 1, layers: 'x'}, /options\.layers: expected an array of layer names/],
    ];
    for (const [options, message] of cases) {
      let error: Error | undefined;
      try {
        await compressDense(model, options as never);
      } catch (e) {
        error = e as Error;
      }
      expect(error?.message ?? 'no error').to.match(message);
    }
    let error: Error | undefined;
    await compressDense({} as never, {rank: 1}).catch((e: Error) => (error = e));
    expect(error?.message).to.match(/model: expected a tf\.LayersModel/);
    expect(tf.memory().numTensors).to.equal(before);
    model.dispose();
  });
});
