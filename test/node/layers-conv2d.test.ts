/*
 * SemifieldConv2D as a tf.layers layer: output = the float64 reference of docs/design.md §3 with the
 * layer's own weights and the bias combined with ⊗; = the op; linear = tf.layers.conv2d; shapes as
 * tf.layers.conv2d computes them; gradients reach kernel and bias (checked against closed forms and
 * central finite differences of the reference).
 */
import * as tf from '@tensorflow/tfjs';
import {expect} from 'chai';
import {semifieldConv2d, type SemifieldConfig} from '../../index.js';
import {layers} from '../../src/layers/index.js';
import {normal, uniform} from '../reference/random.js';
import {finiteDifferenceGrad, referenceConv2d} from '../reference/reference.js';
import {expectClose, onCpu, refSemifield} from './layers-helpers.js';

type Config = Exclude<SemifieldConfig, 'log' | 'root'> | 'log' | 'root';

const semifields: Config[] = [
  'maxplus',
  'minplus',
  'log',
  {name: 'log', mu: -0.5},
  'root',
  {name: 'root', p: 3},
  'linear',
];
const label = (sf: Config) => (typeof sf === 'string' ? sf : JSON.stringify(sf));

/** Inputs in the semifield's domain: root needs x ≥ 0 (and a positive kernel keeps terms alive). */
function inputFor(sf: Config, n: number, seed: number): Float32Array {
  const name = typeof sf === 'string' ? sf : sf.name;
  return name === 'root' ? uniform(n, 0, 2, seed) : normal(n, seed);
}

describe('layers: SemifieldConv2D forward', () => {
  onCpu();

  const geometries = [
    {
      label: 'valid, stride 1',
      args: {padding: 'valid' as const},
      pad: [0, 0, 0, 0] as [number, number, number, number],
      strides: [1, 1],
      dilations: [1, 1],
      groups: 1,
    },
    {
      label: "'same', strides 2, groups 2",
      args: {padding: 'same' as const, strides: 2, groups: 2},
      pad: [1, 1, 0, 1] as [number, number, number, number],
      strides: [2, 2],
      dilations: [1, 1],
      groups: 2,
    },
    {
      label: 'valid, dilation [2, 1]',
      args: {padding: 'valid' as const, dilationRate: [2, 1] as [number, number]},
      pad: [0, 0, 0, 0] as [number, number, number, number],
      strides: [1, 1],
      dilations: [2, 1],
      groups: 1,
    },
  ];

  for (const sf of semifields) {
    for (const geo of geometries) {
      it(`${label(sf)}, ${geo.label}: equals the float64 reference with the layer's weights, bias ⊗-combined (rtol 1e-5)`, () => {
        const layer = layers.semifieldConv2d({filters: 4, kernelSize: 3, semifield: sf, ...geo.args});
        const xShape = [2, 7, 6, 4];
        const x = inputFor(sf, 2 * 7 * 6 * 4, 11);
        const xt = tf.tensor4d(x, xShape as [number, number, number, number]);
        layer.build(xt.shape);
        // A non-trivial bias, so that ⊗ (+ or ·) is actually exercised.
        const [kernel, bias] = layer.getWeights();
        const biasValues = uniform(4, 0.5, 1.5, 3);
        layer.setWeights([kernel, tf.tensor1d(biasValues)]);
        const y = layer.apply(xt) as tf.Tensor;
        const w = kernel.dataSync();
        const ref = referenceConv2d(x, xShape, w, kernel.shape, refSemifield(sf), {
          strides: geo.strides as [number, number],
          dilations: geo.dilations as [number, number],
          pad: geo.pad,
          groups: geo.groups,
        });
        const multiplicative = ['root', 'linear'].includes(typeof sf === 'string' ? sf : sf.name);
        const expected = ref.y.map((v, i) => (multiplicative ? v * biasValues[i % 4] : v + biasValues[i % 4]));
        expect(y.shape).to.deep.equal(ref.shape);
        expect(layer.computeOutputShape([null, 7, 6, 4])).to.deep.equal([null, ...ref.shape.slice(1)]);
        expectClose(y.dataSync(), expected, 1e-5, 1e-6, 'layer output');
        tf.dispose([xt, y, kernel, bias]);
      });
    }
  }

  it("equals the op called with the layer's kernel (kind 'conv', groups 2, 'same')", () => {
    const layer = layers.semifieldConv2d({
      filters: 6,
      kernelSize: [3, 2],
      semifield: {name: 'log', mu: 0.3},
      kind: 'conv',
      groups: 2,
      padding: 'same',
      useBias: false,
    });
    const x = tf.tensor4d(normal(2 * 5 * 5 * 4, 5), [2, 5, 5, 4]);
    const y = layer.apply(x) as tf.Tensor;
    const kernel = layer.getWeights()[0];
    const viaOp = semifieldConv2d(
      x,
      kernel as tf.Tensor4D,
      {name: 'log', mu: 0.3},
      {kind: 'conv', groups: 2, pad: 'same'},
    );
    expect(Array.from(y.dataSync())).to.deep.equal(Array.from(viaOp.dataSync()));
    tf.dispose([x, y, viaOp]);
  });

  it("kind 'conv' equals 'corr' with the kernel mirrored in both spatial axes", () => {
    const layer = layers.semifieldConv2d({
      filters: 3,
      kernelSize: 3,
      semifield: 'maxplus',
      kind: 'conv',
      useBias: false,
    });
    const x = tf.tensor4d(normal(1 * 6 * 6 * 2, 8), [1, 6, 6, 2]);
    const y = layer.apply(x) as tf.Tensor;
    const mirrored = tf.reverse(layer.getWeights()[0], [0, 1]);
    const w = mirrored.dataSync();
    const ref = referenceConv2d(
      x.dataSync(),
      [1, 6, 6, 2],
      w,
      [3, 3, 2, 3],
      {name: 'maxplus'},
      {strides: [1, 1], dilations: [1, 1], pad: [0, 0, 0, 0], groups: 1},
    );
    expectClose(y.dataSync(), ref.y, 1e-6, 0, 'conv output');
    tf.dispose([x, y, mirrored]);
  });

  it('isotropic quadratic kernel: [kh, kw, Cin/groups, filters] from a log-scale per (input, output) pair, mapped into the semifield (rtol 1e-5)', () => {
    const layer = layers.semifieldConv2d({
      filters: 4,
      kernelSize: 3,
      groups: 2,
      semifield: 'minplus',
      kernel: 'isotropic',
      useBias: false,
    });
    const xShape = [1, 6, 5, 4];
    const x = normal(6 * 5 * 4, 9);
    const xt = tf.tensor4d(x, xShape as [number, number, number, number]);
    const y = layer.apply(xt) as tf.Tensor;
    const [logScale] = layer.getWeights();
    expect(logScale.shape).to.deep.equal([2, 4]);
    const s = logScale.dataSync();
    const w = new Float32Array(9 * 2 * 4);
    for (let di = 0; di < 3; di++) {
      for (let dj = 0; dj < 3; dj++) {
        for (let i = 0; i < 2; i++) {
          for (let o = 0; o < 4; o++) {
            // min-plus uses −q = +‖z‖²/(4s), so far taps tend to 𝟘 = +∞.
            w[((di * 3 + dj) * 2 + i) * 4 + o] = ((di - 1) ** 2 + (dj - 1) ** 2) / (4 * Math.exp(s[i * 4 + o]));
          }
        }
      }
    }
    const ref = referenceConv2d(
      x,
      xShape,
      w,
      [3, 3, 2, 4],
      {name: 'minplus'},
      {strides: [1, 1], dilations: [1, 1], pad: [0, 0, 0, 0], groups: 2},
    );
    expectClose(y.dataSync(), ref.y, 1e-5, 1e-6, 'quadratic conv');
    expect(() =>
      layers.semifieldConv2d({filters: 2, kernelSize: 3, kernel: 'anisotropic', kernelInitializer: 'zeros'}),
    ).to.throw(/kernelInitializer: only applies to free kernels/);
    tf.dispose([xt, y, logScale]);
  });

  it('linear semifield without bias equals tf.layers.conv2d with the same kernel (rtol 1e-5)', () => {
    const layer = layers.semifieldConv2d({
      filters: 5,
      kernelSize: 3,
      semifield: 'linear',
      useBias: false,
      padding: 'same',
      strides: 2,
    });
    const reference = tf.layers.conv2d({filters: 5, kernelSize: 3, useBias: false, padding: 'same', strides: 2});
    const x = tf.tensor4d(normal(2 * 9 * 8 * 3, 2), [2, 9, 8, 3]);
    const y = layer.apply(x) as tf.Tensor;
    reference.build(x.shape);
    reference.setWeights(layer.getWeights());
    const expected = reference.apply(x) as tf.Tensor;
    expect(y.shape).to.deep.equal(expected.shape);
    expectClose(y.dataSync(), expected.dataSync(), 1e-5, 1e-6, 'linear vs conv2d');
    tf.dispose([x, y, expected]);
  });

  it('computeOutputShape agrees with tf.layers.conv2d for every padding / stride / dilation combination', () => {
    for (const padding of ['valid', 'same'] as const) {
      for (const strides of [1, 2, 3]) {
        for (const dilationRate of [1, 2]) {
          if (strides > 1 && dilationRate > 1) continue; // tf.layers.conv2d rejects that combination
          const args = {filters: 4, kernelSize: [3, 2] as [number, number], padding, strides, dilationRate};
          const ours = layers.semifieldConv2d(args).computeOutputShape([null, 11, 10, 3]);
          const theirs = tf.layers.conv2d(args).computeOutputShape([null, 11, 10, 3]);
          expect(ours, JSON.stringify(args)).to.deep.equal(theirs);
        }
      }
    }
  });

  it('applies the activation after the ⊗-bias', () => {
    const layer = layers.semifieldConv2d({
      filters: 2,
      kernelSize: 1,
      semifield: 'maxplus',
      activation: 'relu',
      kernelInitializer: 'zeros',
      biasInitializer: {className: 'Constant', config: {value: -0.5}},
    });
    const x = tf.tensor4d([0, 1, 2, -3], [1, 2, 2, 1]);
    const y = layer.apply(x) as tf.Tensor;
    expect(Array.from(y.dataSync())).to.deep.equal([0, 0, 0.5, 0.5, 1.5, 1.5, 0, 0]);
    tf.dispose([x, y]);
  });

  for (const sf of semifields) {
    it(`${label(sf)}: default initialisers start near "constant in, same constant out"; bias = 𝟙`, () => {
      const layer = layers.semifieldConv2d({filters: 6, kernelSize: 3, semifield: sf, padding: 'valid'});
      const x = tf.fill([1, 5, 5, 4], 0.7);
      const y = (layer.apply(x) as tf.Tensor).dataSync();
      const [kernel, bias] = layer.getWeights();
      const name = typeof sf === 'string' ? sf : sf.name;
      const one = name === 'root' || name === 'linear' ? 1 : 0;
      expect(Array.from(bias.dataSync())).to.deep.equal(new Array(6).fill(one));
      if (name === 'linear') return; // Glorot, as tf.layers.conv2d: no such property
      if (name === 'root') {
        expect(tf.min(kernel).dataSync()[0], 'root kernels are positive').to.be.greaterThan(0);
        // p-norm of n equal inputs with weights in [0.5, 1.5]·n^(−1/p): between half and 1.5× the input.
        for (const v of y) expect(v).to.be.within(0.35, 1.05);
      } else {
        // maxplus / minplus: ⊕ of 0.7 + w with |w| ≤ 0.1; log: μ·log-mean-exp of the same.
        for (const v of y) expect(v).to.be.within(0.6 - 1e-6, 0.8 + 1e-6);
      }
      tf.dispose([x, kernel, bias]);
    });
  }

  it('does not leak tensors in apply / predict', () => {
    const model = tf.sequential({
      layers: [layers.semifieldConv2d({inputShape: [6, 6, 2], filters: 3, kernelSize: 3, semifield: 'log'})],
    });
    const x = tf.ones([1, 6, 6, 2]);
    tf.dispose(model.predict(x) as tf.Tensor);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) tf.dispose(model.predict(x) as tf.Tensor);
    expect(tf.memory().numTensors).to.equal(before);
    x.dispose();
  });
});

describe('layers: SemifieldConv2D gradients', () => {
  onCpu();

  for (const sf of semifields) {
    it(`${label(sf)}: tf.variableGrads reaches kernel and bias; bias gradient matches its closed form (rtol 1e-4)`, () => {
      const model = tf.sequential({
        layers: [
          layers.semifieldConv2d({inputShape: [5, 5, 2], filters: 3, kernelSize: 3, semifield: sf, padding: 'same'}),
        ],
      });
      const x = tf.tensor4d(inputFor(sf, 2 * 5 * 5 * 2, 21), [2, 5, 5, 2]);
      const r = tf.tensor4d(normal(2 * 5 * 5 * 3, 22), [2, 5, 5, 3]);
      const [kernelVar] = model.getWeights();
      const {value, grads} = tf.variableGrads(() => tf.sum(tf.mul(model.predict(x) as tf.Tensor, r)) as tf.Scalar);
      const names = Object.keys(grads);
      expect(names).to.have.length(2);
      const kernelGrad = grads[names.find((n) => n.includes('kernel'))!];
      const biasGrad = grads[names.find((n) => n.includes('bias'))!];
      expect(kernelGrad.shape).to.deep.equal(kernelVar.shape);
      expect(biasGrad.shape).to.deep.equal([3]);
      expect(tf.max(tf.abs(kernelGrad)).dataSync()[0], 'some kernel gradient is non-zero').to.be.greaterThan(0);
      // L = Σ r·(c ⊗ b): for ⊗ = + the bias gradient is Σ r per channel; for ⊗ = · it is Σ r·c.
      const multiplicative = ['root', 'linear'].includes(typeof sf === 'string' ? sf : sf.name);
      const c = semifieldConv2d(x, kernelVar as tf.Tensor4D, sf, {pad: 'same'});
      const expected = tf.sum(multiplicative ? tf.mul(r, c) : r, [0, 1, 2]);
      expectClose(biasGrad.dataSync(), expected.dataSync(), 1e-4, 1e-5, 'bias gradient');
      tf.dispose([x, r, value, kernelGrad, biasGrad, c, expected]);
    });
  }

  for (const sf of [{name: 'log', mu: 0.5}, 'root', 'linear'] as Config[]) {
    it(`${label(sf)}: kernel gradient matches central finite differences of the float64 reference (rtol 2e-3)`, () => {
      const layer = layers.semifieldConv2d({
        filters: 2,
        kernelSize: 2,
        semifield: sf,
        useBias: false,
        strides: [2, 1],
        padding: 'same',
      });
      const xShape = [1, 5, 4, 3];
      const x = inputFor(sf, 5 * 4 * 3, 31);
      const xt = tf.tensor4d(x, xShape as [number, number, number, number]);
      layer.build(xt.shape);
      const kernel = layer.getWeights()[0];
      const y = layer.apply(xt) as tf.Tensor;
      const r = normal(y.size, 32);
      const rt = tf.tensor(r, y.shape);
      const {grads} = tf.variableGrads(() => tf.sum(tf.mul(layer.apply(xt) as tf.Tensor, rt)) as tf.Scalar);
      const grad = Object.values(grads)[0].dataSync();
      const coords = Array.from({length: kernel.size}, (_, i) => i);
      // 'same' with stride [2, 1] and a 2×2 kernel on 5×4: pad rows [0, 1], cols [0, 1].
      const geo = {
        strides: [2, 1] as [number, number],
        dilations: [1, 1] as [number, number],
        pad: [0, 1, 0, 1] as [number, number, number, number],
        groups: 1,
      };
      const fd = finiteDifferenceGrad(
        x,
        xShape,
        kernel.dataSync(),
        kernel.shape,
        refSemifield(sf),
        geo,
        r,
        'w',
        coords,
        1e-4,
      );
      expectClose(grad, fd, 2e-3, 2e-4, 'kernel gradient');
      tf.dispose([xt, y, rt, kernel, ...Object.values(grads)]);
    });
  }
});
