/*
 * tfjs-semifield/cpu-fast: the replacement cpu kernels (src/cpu_fast/) against tfjs-backend-cpu's
 * own kernels on random inputs. "Ours" is computed by calling the replacement directly with a
 * fallback that throws, so a case the replacement should handle cannot silently come from tfjs;
 * the reference is tfjs's registered kernel. Tolerance rtol 1e-5 / atol 1e-5 (float32 rounding in
 * a different order of summation; the replacements accumulate in float64).
 */
import * as tf from '@tensorflow/tfjs';
import {expect} from 'chai';
import '@tensorflow/tfjs-backend-wasm';
import {
  FAST_CPU_KERNEL_NAMES,
  fastCpuKernels as replacedCpuKernels,
  fastCpuKernelsRegistered,
  registerFastCpuKernels,
  registerWasmConv2DBackpropFilter,
  unregisterFastCpuKernels,
} from '../../src/entries/cpu-fast.js';
import {normal} from '../reference/random.js';
import {expectClose, onCpu} from './layers-helpers.js';

type Inputs = Record<string, tf.Tensor>;

function infos(inputs: Inputs): Record<string, tf.TensorInfo> {
  return Object.fromEntries(
    Object.entries(inputs).map(([k, t]) => [k, {dataId: t.dataId, shape: t.shape, dtype: t.dtype}]),
  );
}

/** The replacement's result, which must not come from tfjs's kernel. */
function ours(name: string, inputs: Inputs, attrs: object): tf.Tensor {
  const info = replacedCpuKernels[name]({inputs: infos(inputs), backend: tf.backend(), attrs} as never, () => {
    throw new Error(`${name}: the replacement handed a case it should handle to tfjs`);
  }) as tf.TensorInfo;
  return tf.engine().makeTensorFromTensorInfo(info);
}

/** tfjs's own kernel (the replacements are not installed while these tests run). */
function tfjs(name: string, inputs: Inputs, attrs: object): tf.Tensor {
  return tf.engine().runKernel(name, inputs as never, attrs as never) as tf.Tensor;
}

function expectSame(name: string, inputs: Inputs, attrs: object, what: string): void {
  const a = ours(name, inputs, attrs);
  const b = tfjs(name, inputs, attrs);
  expect(a.shape, `${what}: shape`).to.deep.equal(b.shape);
  expectClose(a.dataSync(), b.dataSync(), 1e-5, 1e-5, what);
}

const rand = (shape: number[], seed: number) =>
  tf.tensor(
    normal(
      shape.reduce((a, b) => a * b, 1),
      seed,
    ),
    shape,
  );
/** Post-ReLU-like input: about half exact zeros, which the replacements skip. */
const sparse = (shape: number[], seed: number) => tf.relu(rand(shape, seed));

const convCases: Array<{
  x: [number, number, number, number];
  k: number;
  cout: number;
  strides: number;
  pad: 'valid' | 'same';
  dilations: number;
}> = [
  {x: [2, 9, 8, 3], k: 3, cout: 4, strides: 1, pad: 'valid', dilations: 1},
  {x: [3, 7, 7, 2], k: 3, cout: 5, strides: 2, pad: 'same', dilations: 1},
  {x: [1, 6, 5, 1], k: 2, cout: 3, strides: 1, pad: 'same', dilations: 1},
  {x: [2, 10, 9, 4], k: 3, cout: 2, strides: 1, pad: 'same', dilations: 2},
  {x: [4, 13, 13, 8], k: 3, cout: 16, strides: 1, pad: 'valid', dilations: 1}, // the example's conv #2
];

describe('tfjs-semifield/cpu-fast: registerFastCpuKernels', () => {
  onCpu();
  before(() => unregisterFastCpuKernels());
  after(() => unregisterFastCpuKernels());

  it("Conv2D equals tfjs's kernel (strides, dilations, valid/same, sparse inputs)", () => {
    convCases.forEach((c, n) => {
      const x = sparse(c.x, 100 + n);
      const filter = rand([c.k, c.k, c.x[3], c.cout], 200 + n);
      expectSame(
        'Conv2D',
        {x, filter},
        {strides: c.strides, pad: c.pad, dataFormat: 'NHWC', dilations: c.dilations, dimRoundingMode: undefined},
        `Conv2D ${JSON.stringify(c)}`,
      );
    });
  });

  it("FusedConv2D (bias, relu / linear / none) equals tfjs's kernel", () => {
    convCases.forEach((c, n) => {
      const x = sparse(c.x, 300 + n);
      const filter = rand([c.k, c.k, c.x[3], c.cout], 400 + n);
      const bias = rand([c.cout], 500 + n);
      const attrs = {
        strides: c.strides,
        pad: c.pad,
        dataFormat: 'NHWC',
        dilations: c.dilations,
        dimRoundingMode: undefined,
        leakyreluAlpha: 0.2,
      };
      expectSame(
        'FusedConv2D',
        {x, filter, bias},
        {...attrs, activation: 'relu'},
        `FusedConv2D relu ${JSON.stringify(c)}`,
      );
      expectSame(
        'FusedConv2D',
        {x, filter, bias},
        {...attrs, activation: 'linear'},
        `FusedConv2D linear ${JSON.stringify(c)}`,
      );
      expectSame(
        'FusedConv2D',
        {x, filter},
        {...attrs, activation: 'linear'},
        `FusedConv2D no bias ${JSON.stringify(c)}`,
      );
    });
  });

  it("Conv2DBackpropInput equals tfjs's kernel (sparse dy)", () => {
    convCases
      .filter((c) => c.dilations === 1)
      .forEach((c, n) => {
        const filter = rand([c.k, c.k, c.x[3], c.cout], 600 + n);
        const yShape = tf.conv2d(tf.zeros(c.x) as tf.Tensor4D, filter as tf.Tensor4D, c.strides, c.pad).shape;
        const dy = tf.mul(rand(yShape, 700 + n), tf.step(rand(yShape, 800 + n)));
        expectSame(
          'Conv2DBackpropInput',
          {dy, filter},
          {strides: c.strides, pad: c.pad, dataFormat: 'NHWC', dimRoundingMode: undefined, inputShape: c.x},
          `dx ${JSON.stringify(c)}`,
        );
      });
  });

  it("Conv2DBackpropFilter equals tfjs's kernel", () => {
    convCases
      .filter((c) => c.dilations === 1)
      .forEach((c, n) => {
        const x = sparse(c.x, 900 + n);
        const filterShape: [number, number, number, number] = [c.k, c.k, c.x[3], c.cout];
        const yShape = tf.conv2d(x as tf.Tensor4D, tf.zeros(filterShape) as tf.Tensor4D, c.strides, c.pad).shape;
        const dy = rand(yShape, 1000 + n);
        expectSame(
          'Conv2DBackpropFilter',
          {x, dy},
          {strides: c.strides, pad: c.pad, dataFormat: 'NHWC', dimRoundingMode: undefined, filterShape},
          `dW ${JSON.stringify(c)}`,
        );
      });
  });

  it("MaxPoolGrad equals tfjs's kernel: disjoint and overlapping windows, ties, −∞ and NaN windows", () => {
    const cases: Array<{x: number[]; size: number; strides: number; pad: 'valid' | 'same'}> = [
      {x: [2, 26, 26, 8], size: 2, strides: 2, pad: 'same'}, // the example's pools
      {x: [2, 11, 11, 16], size: 2, strides: 2, pad: 'same'},
      {x: [2, 9, 8, 3], size: 3, strides: 2, pad: 'same'}, // overlapping windows
      {x: [1, 7, 7, 2], size: 3, strides: 1, pad: 'valid'},
    ];
    cases.forEach((c, n) => {
      // Small integers: many ties inside windows, which tfjs breaks by the first in row-major order.
      const values = Array.from(
        normal(
          c.x.reduce((a, b) => a * b, 1),
          1100 + n,
        ),
        (v) => Math.round(v * 1.5),
      );
      values[0] = -Infinity;
      values[1] = NaN;
      const input = tf.tensor4d(values, c.x as [number, number, number, number]);
      const attrs = {filterSize: c.size, strides: c.strides, pad: c.pad, dimRoundingMode: undefined};
      const output = tf.maxPool(input, c.size, c.strides, c.pad);
      const dy = rand(output.shape, 1200 + n);
      expectSame('MaxPoolGrad', {dy, input, output}, attrs, `MaxPoolGrad ${JSON.stringify(c)}`);
    });
    // A window of only −∞ / NaN passes no gradient, as in tfjs.
    const input = tf.tensor4d([-Infinity, NaN, -Infinity, NaN], [1, 2, 2, 1]);
    const attrs = {filterSize: 2, strides: 2, pad: 'valid', dimRoundingMode: undefined};
    const dy = tf.ones([1, 1, 1, 1]);
    expect(
      Array.from(ours('MaxPoolGrad', {dy, input, output: tf.maxPool(input, 2, 2, 'valid')}, attrs).dataSync()),
    ).to.deep.equal([0, 0, 0, 0]);
  });

  it("BatchMatMul and _FusedMatMul equal tfjs's kernels (transposes, batch broadcasting, bias, relu)", () => {
    const cases: Array<{a: number[]; b: number[]; transposeA: boolean; transposeB: boolean}> = [
      {a: [32, 576], b: [576, 64], transposeA: false, transposeB: false}, // the example's dense forward
      {a: [32, 576], b: [32, 64], transposeA: true, transposeB: false}, // its dW
      {a: [32, 64], b: [576, 64], transposeA: false, transposeB: true}, // its dx
      {a: [7, 5], b: [3, 7], transposeA: true, transposeB: true},
      {a: [3, 4, 6], b: [3, 6, 5], transposeA: false, transposeB: false},
      {a: [1, 4, 6], b: [3, 5, 6], transposeA: false, transposeB: true},
      {a: [2, 3, 6, 4], b: [6, 5], transposeA: true, transposeB: false},
    ];
    cases.forEach((c, n) => {
      const a = sparse(c.a, 1500 + n);
      const b = rand(c.b, 1600 + n);
      const attrs = {transposeA: c.transposeA, transposeB: c.transposeB};
      expectSame('BatchMatMul', {a, b}, attrs, `BatchMatMul ${JSON.stringify(c)}`);
      const cols = c.transposeB ? c.b[c.b.length - 2] : c.b[c.b.length - 1];
      const bias = rand([cols], 1700 + n);
      for (const activation of ['relu', 'linear']) {
        expectSame(
          '_FusedMatMul',
          {a, b, bias},
          {...attrs, activation, leakyreluAlpha: 0.2},
          `_FusedMatMul ${activation} ${JSON.stringify(c)}`,
        );
      }
      expectSame(
        '_FusedMatMul',
        {a, b},
        {...attrs, activation: 'linear', leakyreluAlpha: 0.2},
        `_FusedMatMul no bias ${JSON.stringify(c)}`,
      );
    });
  });

  it("Sum over leading axes equals tfjs's kernel (keepDims too); other axes and dtypes go to tfjs", () => {
    const x = rand([4, 5, 6, 7], 1300);
    for (const axis of [[0, 1, 2], [0], [1, 0], 0, [-4, -3]]) {
      for (const keepDims of [false, true])
        expectSame('Sum', {x}, {axis, keepDims}, `Sum axis ${JSON.stringify(axis)} keepDims ${keepDims}`);
    }
    const fellBack = (inputs: Inputs, attrs: object) => {
      let called = false;
      replacedCpuKernels.Sum({inputs: infos(inputs), backend: tf.backend(), attrs} as never, (args) => {
        called = true;
        return tf.getKernel('Sum', 'cpu')!.kernelFunc(args);
      });
      return called;
    };
    expect(fellBack({x}, {axis: [1, 2], keepDims: false}), 'axes [1, 2]').to.equal(true);
    expect(fellBack({x}, {axis: [0, 1, 2, 3], keepDims: false}), 'all axes').to.equal(true);
    expect(
      fellBack(
        {
          x: tf.tensor2d(
            [
              [1, 2],
              [3, 4],
            ],
            undefined,
            'int32',
          ),
        },
        {axis: [0], keepDims: false},
      ),
      'int32',
    ).to.equal(true);
    expect(fellBack({x}, {axis: [0, 1], keepDims: false}), 'axes [0, 1]').to.equal(false);
  });

  it("Add and Multiply equal tfjs's kernels bit for bit (equal shapes, suffix and scalar broadcasts, either order)", () => {
    const pairs: Array<[number[], number[]]> = [
      [
        [4, 5, 6],
        [4, 5, 6],
      ],
      [[4, 5, 6], [6]],
      [[6], [4, 5, 6]],
      [
        [4, 5, 6],
        [5, 6],
      ],
      [[4, 5, 6], []],
      [[], [3]],
    ];
    pairs.forEach(([sa, sb], n) => {
      const a = rand(sa, 1800 + n);
      const b = rand(sb, 1900 + n);
      for (const name of ['Add', 'Multiply']) {
        const x = ours(name, {a, b}, {});
        const y = tfjs(name, {a, b}, {});
        expect(x.shape, `${name} ${JSON.stringify([sa, sb])}`).to.deep.equal(y.shape);
        expect(Array.from(x.dataSync()), `${name} ${JSON.stringify([sa, sb])}`).to.deep.equal(Array.from(y.dataSync()));
      }
    });
    const fellBack = (a: tf.Tensor, b: tf.Tensor) => {
      let called = false;
      replacedCpuKernels.Add({inputs: infos({a, b}), backend: tf.backend(), attrs: {}} as never, (args) => {
        called = true;
        return tf.getKernel('Add', 'cpu')!.kernelFunc(args);
      });
      return called;
    };
    expect(fellBack(rand([3, 1], 1), rand([3, 4], 2)), 'a true broadcast [3, 1] + [3, 4]').to.equal(true);
    expect(fellBack(tf.tensor1d([1, 2], 'int32'), tf.tensor1d([3, 4], 'int32')), 'int32').to.equal(true);
  });

  it("Relu and Step equal tfjs's kernels, NaN, ±0 and ±∞ included", () => {
    const values = [...normal(200, 2000), NaN, -0, 0, Infinity, -Infinity, 1e-45, -1e-45];
    const x = tf.tensor1d(values);
    const same = (a: tf.Tensor, b: tf.Tensor, what: string) =>
      expect(Array.from(a.dataSync()).map(String), what).to.deep.equal(Array.from(b.dataSync()).map(String));
    same(ours('Relu', {x}, {}), tfjs('Relu', {x}, {}), 'Relu');
    for (const alpha of [0, 0.3]) same(ours('Step', {x}, {alpha}), tfjs('Step', {x}, {alpha}), `Step alpha ${alpha}`);
    expect(Object.is(ours('Relu', {x: tf.tensor1d([-0])}, {}).dataSync()[0], 0)).to.equal(true);
  });

  it('registerFastCpuKernels registers every replacement for the cpu backend and uninstall restores tfjs', () => {
    const before = Object.keys(replacedCpuKernels).map((name) => tf.getKernel(name, 'cpu')!.kernelFunc);
    registerFastCpuKernels();
    try {
      Object.keys(replacedCpuKernels).forEach((name, k) =>
        expect(tf.getKernel(name, 'cpu')!.kernelFunc, name).to.not.equal(before[k]),
      );
      // Through the public ops, with the replacements installed: conv2d + its gradients agree with
      // tfjs's kernels (computed after uninstalling below).
      const x = sparse([2, 13, 13, 8], 1400);
      const w = rand([3, 3, 8, 16], 1401);
      const r = rand([2, 11, 11, 16], 1402);
      const loss = (xv: tf.Tensor, wv: tf.Tensor) =>
        tf.sum(tf.mul(tf.relu(tf.conv2d(xv as tf.Tensor4D, wv as tf.Tensor4D, 1, 'valid')), r));
      const withOurs = tf
        .grads(loss)([x, w])
        .map((g) => g.dataSync());
      unregisterFastCpuKernels();
      Object.keys(replacedCpuKernels).forEach((name, k) =>
        expect(tf.getKernel(name, 'cpu')!.kernelFunc, name).to.equal(before[k]),
      );
      const withTfjs = tf
        .grads(loss)([x, w])
        .map((g) => g.dataSync());
      expectClose(withOurs[0], withTfjs[0], 1e-5, 1e-5, 'dx through tf.grads');
      expectClose(withOurs[1], withTfjs[1], 1e-5, 1e-5, 'dw through tf.grads');
    } finally {
      unregisterFastCpuKernels();
    }
  });

  it('rejects an unknown kernel name', () => {
    expect(() => registerFastCpuKernels(['Conv3D'])).to.throw(/names: expected some of Conv2D.*but got 'Conv3D'/);
    expect(() => unregisterFastCpuKernels(['Conv3D'])).to.throw(/unregisterFastCpuKernels: names: expected some of/);
    expect(fastCpuKernelsRegistered()).to.deep.equal([]);
  });

  it('registers a subset by name, idempotently, and reports what is registered', () => {
    try {
      expect(registerFastCpuKernels(['Conv2D', 'Relu'])).to.deep.equal(['Conv2D', 'Relu']);
      const conv = tf.getKernel('Conv2D', 'cpu')!.kernelFunc;
      expect(registerFastCpuKernels(['Conv2D'])).to.deep.equal(['Conv2D', 'Relu']);
      expect(tf.getKernel('Conv2D', 'cpu')!.kernelFunc, 'a second register keeps the first replacement').to.equal(conv);
      unregisterFastCpuKernels(['Relu']);
      expect(fastCpuKernelsRegistered()).to.deep.equal(['Conv2D']);
      expect(FAST_CPU_KERNEL_NAMES).to.deep.equal([
        'Conv2D',
        'FusedConv2D',
        'Conv2DBackpropInput',
        'Conv2DBackpropFilter',
        'MaxPoolGrad',
        'BatchMatMul',
        '_FusedMatMul',
        'Sum',
        'Add',
        'Multiply',
        'Relu',
        'Step',
      ]);
    } finally {
      unregisterFastCpuKernels();
    }
    expect(fastCpuKernelsRegistered()).to.deep.equal([]);
  });

  it('a small tf.layers model trains to the same weights with and without the fast kernels', async () => {
    const build = () => {
      const m = tf.sequential({
        layers: [
          tf.layers.conv2d({
            inputShape: [8, 8, 2],
            filters: 4,
            kernelSize: 3,
            activation: 'relu',
            kernelInitializer: tf.initializers.glorotUniform({seed: 1}),
          }),
          tf.layers.maxPooling2d({poolSize: 2}),
          tf.layers.flatten(),
          tf.layers.dense({
            units: 3,
            activation: 'softmax',
            kernelInitializer: tf.initializers.glorotUniform({seed: 2}),
          }),
        ],
      });
      m.compile({optimizer: tf.train.sgd(0.1), loss: 'categoricalCrossentropy'});
      return m;
    };
    const xs = rand([6, 8, 8, 2], 2100);
    const ys = tf.oneHot(tf.tensor1d([0, 1, 2, 0, 1, 2], 'int32'), 3);
    const train = async () => {
      const m = build();
      await m.fit(xs, ys, {epochs: 3, batchSize: 3, shuffle: false, verbose: 0});
      const w = m.getWeights().map((t) => t.dataSync().slice());
      m.dispose();
      return w;
    };
    const plain = await train();
    registerFastCpuKernels();
    let fast: tf.TypedArray[];
    try {
      fast = await train();
    } finally {
      unregisterFastCpuKernels();
    }
    plain.forEach((w, k) => expectClose(fast[k], w, 1e-4, 1e-5, `weight ${k}`));
  });

  it('the wasm Conv2DBackpropFilter (absent from tfjs-backend-wasm 4.22) equals the cpu gradient (rtol 1e-5)', async () => {
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
      registerWasmConv2DBackpropFilter();
      expect(registerWasmConv2DBackpropFilter(), 'second call').to.equal(false);
      const [xw, ww, rw] = [
        tf.tensor4d(xs, [2, 7, 6, 3]),
        tf.tensor4d(ws, [3, 3, 3, 4]),
        tf.tensor4d(rs, [2, 4, 3, 4]),
      ];
      const onWasm = tf
        .grad((wv: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(xw, wv as tf.Tensor4D, 2, 'same'), rw)))(ww)
        .dataSync();
      expectClose(onWasm, onCpu, 1e-5, 1e-5, 'wasm dW');
    } finally {
      await tf.setBackend('cpu');
    }
  });
});
