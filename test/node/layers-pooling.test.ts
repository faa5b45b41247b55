/*
 * SemifieldPooling2D, its kernel parametrisations, and the morphological opening / closing layers.
 * Kernels are recomputed here from the layer's parameters with independent float64 formulas
 * (an explicit 2×2 matrix product for Σ⁻¹), then pushed through the float64 reference conv;
 * initial states are checked against tf.maxPool / tf.avgPool, and morphology against
 * tf.dilation2d and the algebraic properties of openings and closings.
 */
import * as tf from '@tensorflow/tfjs';
import {expect} from 'chai';
import {type SemifieldConfig} from '../../index.js';
import {layers} from '../../src/layers/index.js';
import {normal, uniform} from '../reference/random.js';
import {finiteDifferenceGrad, referenceConv2d} from '../reference/reference.js';
import {expectClose, onCpu, refSemifield} from './layers-helpers.js';

/** Centred tap offsets of a kh×kw window, row-major. */
function offsets(kh: number, kw: number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (let di = 0; di < kh; di++) for (let dj = 0; dj < kw; dj++) out.push([di - (kh - 1) / 2, dj - (kw - 1) / 2]);
  return out;
}

/** q(z) = −zᵀ Σ⁻¹ z / 4, Σ⁻¹ = R(θ) diag(e^{−2a}, e^{−2b}) R(θ)ᵀ, by explicit matrix products. */
function anisotropicQ(z: [number, number], theta: number, a: number, b: number): number {
  const R = [
    [Math.cos(theta), -Math.sin(theta)],
    [Math.sin(theta), Math.cos(theta)],
  ];
  const D = [Math.exp(-2 * a), Math.exp(-2 * b)];
  const inv = [
    [0, 0],
    [0, 0],
  ];
  for (let i = 0; i < 2; i++)
    for (let j = 0; j < 2; j++) for (let k = 0; k < 2; k++) inv[i][j] += R[i][k] * D[k] * R[j][k];
  let form = 0;
  for (let i = 0; i < 2; i++) for (let j = 0; j < 2; j++) form += z[i] * inv[i][j] * z[j];
  return -form / 4;
}

/** The semifield filter [kh, kw, 1, C] for a structuring function, per the pooling layer's design (docs/layers.md). */
function toSemifield(q: number, sf: SemifieldConfig): number {
  const name = typeof sf === 'string' ? sf : sf.name;
  const mu = typeof sf === 'object' && 'mu' in sf ? (sf.mu ?? 1) : 1;
  const p = typeof sf === 'object' && 'p' in sf ? (sf.p ?? 2) : 2;
  switch (name) {
    case 'maxplus':
      return q;
    case 'minplus':
      return -q;
    case 'log':
      return mu > 0 ? q : -q;
    case 'root':
      return p > 0 ? Math.exp(q) : Math.exp(-q);
    default:
      return Math.exp(q);
  }
}

function depthwiseGeometry(pad: [number, number, number, number], strides: [number, number], groups: number) {
  return {strides, dilations: [1, 1] as [number, number], pad, groups};
}

describe('layers: SemifieldPooling2D', () => {
  onCpu();

  const semifields: SemifieldConfig[] = [
    'maxplus',
    'minplus',
    {name: 'log', mu: 0.5},
    {name: 'log', mu: -0.5},
    'root',
    'linear',
  ];

  for (const sf of semifields) {
    it(`${JSON.stringify(sf)}, isotropic: output = reference with kernel −‖z‖²/(4s) mapped into the semifield (rtol 1e-5)`, () => {
      const layer = layers.semifieldPooling2d({
        poolSize: 3,
        strides: 2,
        padding: 'same',
        semifield: sf,
        kernel: 'isotropic',
      });
      const xShape = [2, 7, 6, 3];
      const x = uniform(2 * 7 * 6 * 3, 0, 2, 41);
      const xt = tf.tensor4d(x, xShape as [number, number, number, number]);
      const y = layer.apply(xt) as tf.Tensor;
      const [logScale] = layer.getWeights();
      const scales = Array.from(logScale.dataSync(), Math.exp);
      // scale-space init: evenly spread over [r²/8, r²] with r = 1 for a 3×3 window.
      expectClose(scales, [1 / 8, (1 / 8 + 1) / 2, 1], 1e-6, 0, 'initial scales');
      const taps = offsets(3, 3);
      const w = new Float32Array(9 * 3);
      taps.forEach(([z1, z2], t) => {
        for (let c = 0; c < 3; c++) w[t * 3 + c] = toSemifield(-(z1 * z1 + z2 * z2) / (4 * scales[c]), sf);
      });
      // 'same', stride 2, 3×3 on 7×6: rows pad [1, 1], cols pad [0, 1].
      const ref = referenceConv2d(
        x,
        xShape,
        w,
        [3, 3, 1, 3],
        refSemifield(sf as never),
        depthwiseGeometry([1, 1, 0, 1], [2, 2], 3),
      );
      expect(y.shape).to.deep.equal(ref.shape);
      expect(layer.computeOutputShape([null, 7, 6, 3])).to.deep.equal([null, 4, 3, 3]);
      expectClose(y.dataSync(), ref.y, 1e-5, 1e-6, 'pooling output');
      tf.dispose([xt, y, logScale]);
    });
  }

  it('anisotropic: kernel = −zᵀ R diag(e^{−2a}, e^{−2b}) Rᵀ z / 4 per channel, orientation-space init (rtol 1e-5)', () => {
    const layer = layers.semifieldPooling2d({
      poolSize: [5, 3],
      strides: 1,
      padding: 'valid',
      kernel: {type: 'anisotropic', axisScales: [3, 0.5]},
    });
    const xShape = [1, 7, 6, 4];
    const x = normal(7 * 6 * 4, 43);
    const xt = tf.tensor4d(x, xShape as [number, number, number, number]);
    layer.build(xt.shape);
    const [theta, a, b] = layer.getWeights();
    expectClose(theta.dataSync(), [0, Math.PI / 4, Math.PI / 2, (3 * Math.PI) / 4], 1e-6, 1e-7, 'initial angles');
    expectClose(a.dataSync(), new Array(4).fill(0.5 * Math.log(3)), 1e-6, 0, 'initial a');
    expectClose(b.dataSync(), new Array(4).fill(0.5 * Math.log(0.5)), 1e-6, 0, 'initial b');
    // Move the parameters off their initial values so every entry matters.
    const thetaV = [0.3, -1.1, 2.0, 0.7];
    const aV = [0.2, 0.5, -0.1, 0.9];
    const bV = [-0.4, 0.1, 0.3, -0.2];
    layer.setWeights([tf.tensor2d(thetaV, [1, 4]), tf.tensor2d(aV, [1, 4]), tf.tensor2d(bV, [1, 4])]);
    const y = layer.apply(xt) as tf.Tensor;
    const w = new Float32Array(15 * 4);
    offsets(5, 3).forEach((z, t) => {
      for (let c = 0; c < 4; c++) w[t * 4 + c] = anisotropicQ(z, thetaV[c], aV[c], bV[c]);
    });
    const ref = referenceConv2d(
      x,
      xShape,
      w,
      [5, 3, 1, 4],
      {name: 'maxplus'},
      depthwiseGeometry([0, 0, 0, 0], [1, 1], 4),
    );
    expectClose(y.dataSync(), ref.y, 1e-5, 1e-6, 'anisotropic pooling');
    const filter = layer.filter();
    expectClose(filter.dataSync(), w, 1e-5, 1e-6, 'filter()');
    tf.dispose([xt, y, theta, a, b, filter]);
  });

  it('free max-plus kernel starts as tf.layers.maxPooling2d exactly (default poolSize 2, strides = poolSize)', () => {
    const x = tf.tensor4d(normal(2 * 8 * 7 * 3, 44), [2, 8, 7, 3]);
    const y = layers.semifieldPooling2d({kernel: 'free'}).apply(x) as tf.Tensor;
    const expected = tf.layers.maxPooling2d({}).apply(x) as tf.Tensor;
    expect(y.shape).to.deep.equal(expected.shape);
    expect(Array.from(y.dataSync())).to.deep.equal(Array.from(expected.dataSync()));
    tf.dispose([x, y, expected]);
  });

  it("free linear kernel starts as average pooling (poolSize 3, strides 2, 'valid'; rtol 1e-5)", () => {
    const x = tf.tensor4d(normal(1 * 9 * 9 * 2, 45), [1, 9, 9, 2]);
    const y = layers
      .semifieldPooling2d({poolSize: 3, strides: 2, padding: 'valid', semifield: 'linear', kernel: 'free'})
      .apply(x) as tf.Tensor;
    const expected = tf.avgPool(x, 3, 2, 'valid');
    expectClose(y.dataSync(), expected.dataSync(), 1e-5, 1e-6, 'avg pooling');
    tf.dispose([x, y, expected]);
  });

  for (const kernel of ['free', 'isotropic', 'anisotropic'] as const) {
    it(`${kernel}: gradients flow into every kernel parameter (tf.variableGrads, each parameter non-zero)`, () => {
      const model = tf.sequential({
        layers: [
          layers.semifieldPooling2d({
            inputShape: [6, 6, 3],
            poolSize: 3,
            strides: 1,
            padding: 'same',
            semifield: {name: 'log', mu: 0.5},
            kernel,
          }),
        ],
      });
      const x = tf.tensor4d(normal(2 * 6 * 6 * 3, 46), [2, 6, 6, 3]);
      const r = tf.tensor4d(normal(2 * 6 * 6 * 3, 47), [2, 6, 6, 3]);
      const {value, grads} = tf.variableGrads(() => tf.sum(tf.mul(model.predict(x) as tf.Tensor, r)) as tf.Scalar);
      const expectedCount = kernel === 'anisotropic' ? 3 : 1;
      expect(Object.keys(grads)).to.have.length(expectedCount);
      for (const [name, g] of Object.entries(grads)) {
        const values = g.dataSync();
        expect(
          values.every((v) => Number.isFinite(v)),
          `${name} finite`,
        ).to.equal(true);
        // Every channel's parameters take part, so every channel gets a gradient.
        const perChannel = tf.tidy(() => tf.max(tf.abs(tf.reshape(g, [-1, 3])), 0).dataSync());
        for (let c = 0; c < 3; c++) expect(perChannel[c], `${name}[channel ${c}]`).to.be.greaterThan(0);
      }
      tf.dispose([x, r, value, ...Object.values(grads)]);
    });
  }

  it('isotropic log-scale gradient matches central finite differences through the reference (rtol 1e-3)', () => {
    const sf = {name: 'log' as const, mu: 0.5};
    const layer = layers.semifieldPooling2d({
      poolSize: 3,
      strides: 2,
      padding: 'same',
      semifield: sf,
      kernel: 'isotropic',
    });
    const xShape = [1, 5, 5, 2];
    const x = normal(5 * 5 * 2, 48);
    const xt = tf.tensor4d(x, xShape as [number, number, number, number]);
    const y = layer.apply(xt) as tf.Tensor;
    const r = normal(y.size, 49);
    const rt = tf.tensor(r, y.shape);
    const {grads} = tf.variableGrads(() => tf.sum(tf.mul(layer.apply(xt) as tf.Tensor, rt)) as tf.Scalar);
    const grad = Object.values(grads)[0].dataSync();
    const logScale = Array.from(layer.getWeights()[0].dataSync());
    const taps = offsets(3, 3);
    const geo = depthwiseGeometry([1, 1, 1, 1], [2, 2], 2);
    // dL/d(log s_c) = Σ_taps dL/dw[tap, c] · dw/d(log s) with w = −‖z‖²/(4s): dw/dlog s = ‖z‖²/(4s) = −w.
    const w = new Float64Array(9 * 2);
    taps.forEach(([z1, z2], t) => {
      for (let c = 0; c < 2; c++) w[t * 2 + c] = -(z1 * z1 + z2 * z2) / (4 * Math.exp(logScale[c]));
    });
    const dw = finiteDifferenceGrad(
      x,
      xShape,
      w,
      [3, 3, 1, 2],
      {name: 'log', mu: 0.5},
      geo,
      r,
      'w',
      Array.from(w.keys()),
      1e-5,
    );
    const expected = [0, 1].map((c) => taps.reduce((sum, _, t) => sum + dw[t * 2 + c] * -w[t * 2 + c], 0));
    expectClose(grad, expected, 1e-3, 1e-4, 'dL/dlog s');
    tf.dispose([xt, y, rt, ...Object.values(grads)]);
  });
});

describe('layers: morphological opening and closing', () => {
  onCpu();

  /** Reference dilation / erosion by tf.dilation2d (independent of the semifield op). */
  const dilate = (x: tf.Tensor4D, b: tf.Tensor3D) => tf.dilation2d(x, tf.reverse(b, [0, 1]), 1, 'same');
  const erode = (x: tf.Tensor4D, b: tf.Tensor3D) => tf.neg(tf.dilation2d(tf.neg(x), b, 1, 'same')) as tf.Tensor4D;

  for (const kernel of ['free', 'isotropic', 'anisotropic'] as const) {
    it(`${kernel}: opening = δ(ε(x)) and closing = ε(δ(x)) by tf.dilation2d; opening ≤ x ≤ closing; both idempotent`, () => {
      const x = tf.tensor4d(normal(2 * 8 * 7 * 3, 51), [2, 8, 7, 3]);
      const opening = layers.morphologicalOpening2d({kernelSize: 3, kernel});
      const closing = layers.morphologicalClosing2d({kernelSize: 3, kernel});
      opening.build(x.shape);
      closing.build(x.shape);
      if (kernel === 'free') {
        // A non-symmetric structuring element, so that the mirroring of the dilation matters.
        const b = tf.tensor4d(uniform(27, -1, 0, 52), [3, 3, 1, 3]);
        opening.setWeights([b]);
        closing.setWeights([b]);
      }
      const b = tf.squeeze(opening.structuringFunction(), [2]) as tf.Tensor3D;
      const opened = opening.apply(x) as tf.Tensor4D;
      const closed = closing.apply(x) as tf.Tensor4D;
      expectClose(opened.dataSync(), dilate(erode(x, b), b).dataSync(), 1e-6, 1e-6, 'opening');
      expectClose(closed.dataSync(), erode(dilate(x, b), b).dataSync(), 1e-6, 1e-6, 'closing');
      const xv = x.dataSync();
      expect(
        Array.from(opened.dataSync()).every((v, i) => v <= xv[i] + 1e-6),
        'opening is anti-extensive',
      ).to.equal(true);
      expect(
        Array.from(closed.dataSync()).every((v, i) => v >= xv[i] - 1e-6),
        'closing is extensive',
      ).to.equal(true);
      expectClose((opening.apply(opened) as tf.Tensor).dataSync(), opened.dataSync(), 1e-6, 1e-6, 'opening idempotent');
      expectClose((closing.apply(closed) as tf.Tensor).dataSync(), closed.dataSync(), 1e-6, 1e-6, 'closing idempotent');
      expect(opening.computeOutputShape([null, 8, 7, 3])).to.deep.equal([null, 8, 7, 3]);
    });
  }

  it('log semifield gives a soft opening that approaches the hard one as μ → 0 (|Δ| < 0.05 at μ = 0.01)', () => {
    const x = tf.tensor4d(normal(1 * 6 * 6 * 2, 53), [1, 6, 6, 2]);
    const hard = layers.morphologicalOpening2d({kernelSize: 3, kernel: 'free'}).apply(x) as tf.Tensor;
    const soft = layers
      .morphologicalOpening2d({kernelSize: 3, kernel: 'free', semifield: {name: 'log', mu: 0.01}})
      .apply(x) as tf.Tensor;
    const diff = tf.max(tf.abs(tf.sub(hard, soft))).dataSync()[0];
    expect(diff).to.be.lessThan(0.05);
    expect(diff).to.be.greaterThan(0);
  });

  it('gradients reach the structuring function', () => {
    const layer = layers.morphologicalClosing2d({kernelSize: 3, kernel: 'anisotropic'});
    const x = tf.tensor4d(normal(1 * 6 * 6 * 2, 54), [1, 6, 6, 2]);
    layer.build(x.shape);
    const {value, grads} = tf.variableGrads(() => tf.sum(tf.square(layer.apply(x) as tf.Tensor)) as tf.Scalar);
    expect(Object.keys(grads)).to.have.length(3);
    const total = Object.values(grads).reduce((s, g) => s + tf.sum(tf.abs(g)).dataSync()[0], 0);
    expect(total).to.be.greaterThan(0);
    tf.dispose([x, value, ...Object.values(grads)]);
  });
});
