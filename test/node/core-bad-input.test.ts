import * as tf from '@tensorflow/tfjs';
import {expect} from 'chai';
import {getSemifield, semifieldConv2d} from '../../index.js';

/*
 * docs/design.md §7: every bad input throws an Error naming the argument, computes nothing and leaks no
 * tensor. Each row: the call, and a pattern the message must match (argument name + what was given).
 */
describe('bad input', () => {
  const x = () => tf.zeros([1, 5, 5, 4]) as tf.Tensor4D;
  const w = (cin = 4, cout = 4) => tf.zeros([3, 3, cin, cout]) as tf.Tensor4D;
  const rows: Array<[string, () => unknown, RegExp]> = [
    ['x of rank 2', () => semifieldConv2d(tf.zeros([5, 5]) as never, w(), 'maxplus'), /^x: .*rank-4.*\[5,5\]/],
    [
      'filter of rank 3',
      () => semifieldConv2d(x(), tf.zeros([3, 3, 4]) as never, 'maxplus'),
      /^filter: .*rank-4.*\[3,3,4\]/,
    ],
    [
      'mismatched channels',
      () => semifieldConv2d(x(), w(3), 'maxplus'),
      /^filter: filter.shape\[2\] must equal .* but got 3/,
    ],
    [
      'groups not dividing Cin',
      () => semifieldConv2d(x(), w(4, 3), 'maxplus', {groups: 3}),
      /^groups: must divide the input channels .* got 3/,
    ],
    [
      'groups not dividing Cout',
      () => semifieldConv2d(x(), w(2, 3), 'maxplus', {groups: 2}),
      /^groups: must divide the output channels .* got 2/,
    ],
    [
      'groups 0',
      () => semifieldConv2d(x(), w(), 'maxplus', {groups: 0}),
      /^groups: expected a positive integer, but got 0/,
    ],
    ['stride 0', () => semifieldConv2d(x(), w(), 'maxplus', {strides: 0}), /^strides: .*positive integer.* but got 0/],
    [
      'negative stride',
      () => semifieldConv2d(x(), w(), 'maxplus', {strides: [1, -2]}),
      /^strides: .* but got \[1,-2\]/,
    ],
    ['fractional stride', () => semifieldConv2d(x(), w(), 'maxplus', {strides: 1.5}), /^strides: .* but got 1\.5/],
    ['dilation 0', () => semifieldConv2d(x(), w(), 'maxplus', {dilations: 0}), /^dilations: .* but got 0/],
    ['negative dilation', () => semifieldConv2d(x(), w(), 'maxplus', {dilations: -1}), /^dilations: .* but got -1/],
    ['bad pad string', () => semifieldConv2d(x(), w(), 'maxplus', {pad: 'full' as never}), /^pad: .* but got 'full'/],
    ['negative pad', () => semifieldConv2d(x(), w(), 'maxplus', {pad: -1}), /^pad: .* but got -1/],
    [
      'filter larger than input',
      () => semifieldConv2d(x(), tf.zeros([7, 7, 4, 4]) as tf.Tensor4D, 'maxplus'),
      /^x: the padded input .* smaller than the dilated filter/,
    ],
    [
      'unknown semifield name',
      () => semifieldConv2d(x(), w(), 'maxtimes' as never),
      /^semifield: expected one of 'maxplus'.* but got 'maxtimes'/,
    ],
    ['semifield not a string/object', () => semifieldConv2d(x(), w(), 42 as never), /^semifield: .* but got 42/],
    [
      'log with mu = 0',
      () => semifieldConv2d(x(), w(), {name: 'log', mu: 0}),
      /^semifield.mu: expected a finite non-zero number, but got 0/,
    ],
    ['log with mu = NaN', () => semifieldConv2d(x(), w(), {name: 'log', mu: NaN}), /^semifield.mu: .* but got NaN$/],
    [
      'root with p = 0',
      () => semifieldConv2d(x(), w(), {name: 'root', p: 0}),
      /^semifield.p: expected a finite non-zero number, but got 0/,
    ],
    [
      'log with a root parameter',
      () => semifieldConv2d(x(), w(), {name: 'log', p: 2} as never),
      /^semifield: semifield 'log' takes only the parameter\(s\) mu, but got 'p'/,
    ],
    [
      'int32 input',
      () => semifieldConv2d(tf.zeros([1, 5, 5, 4], 'int32') as tf.Tensor4D, w(), 'maxplus'),
      /^x: expected a float32 tensor, but got a int32 tensor/,
    ],
    [
      'int32 filter',
      () => semifieldConv2d(x(), tf.zeros([3, 3, 4, 4], 'int32') as tf.Tensor4D, 'maxplus'),
      /^filter: expected a float32 tensor, but got a int32 tensor/,
    ],
    ['unknown option', () => semifieldConv2d(x(), w(), 'maxplus', {stride: 2} as never), /unknown option 'stride'/],
    [
      'bad kind',
      () => semifieldConv2d(x(), w(), 'maxplus', {kind: 'convolution' as never}),
      /^kind: expected 'corr' or 'conv', but got "convolution"/,
    ],
    [
      'bad implementation',
      () => semifieldConv2d(x(), w(), 'maxplus', {implementation: 'gpu' as never}),
      /^implementation: .* but got "gpu"/,
    ],
  ];
  for (const [label, call, pattern] of rows) {
    it(`${label} throws a message naming the argument and leaks nothing`, () => {
      // Build the inputs first so only what the op itself might allocate is counted.
      const before = tf.memory().numTensors;
      let error: unknown;
      tf.tidy(() => {
        const inner = tf.memory().numTensors;
        try {
          call();
        } catch (e) {
          error = e;
        }
        // Only the argument tensors this row created may exist; the op allocated nothing.
        const created = tf.memory().numTensors - inner;
        expect(created, 'tensors allocated by the row (its own inputs only)').to.be.at.most(2);
      });
      expect(error, 'an Error was thrown').to.be.instanceOf(Error);
      expect((error as Error).message).to.match(pattern);
      expect(tf.memory().numTensors).to.equal(before);
    });
  }
  it('the failing op allocates no tensor beyond its inputs (exact count)', () => {
    const xs = x();
    const ws = w(3);
    const before = tf.memory().numTensors;
    expect(() => semifieldConv2d(xs, ws, 'maxplus')).to.throw(/filter/);
    expect(() => semifieldConv2d([[[[1]]]], [[[[1, 2]]]], 'nope' as never)).to.throw(/semifield/);
    expect(() => semifieldConv2d([[[[1]]]], [[[[1], [2]]]], 'maxplus')).to.throw(/filter/);
    expect(tf.memory().numTensors).to.equal(before);
    xs.dispose();
    ws.dispose();
  });
  it("implementation 'fused' on a backend without fused kernels is a clear error", async () => {
    await tf.setBackend('wasm');
    try {
      expect(() => semifieldConv2d(x(), w(), 'maxplus', {implementation: 'fused'})).to.throw(
        /^implementation: 'fused' was requested but backend 'wasm'/,
      );
    } finally {
      await tf.setBackend('cpu');
    }
  });
  it('getSemifield rejects arrays and null with the argument name', () => {
    expect(() => getSemifield(null as never, 'layer.semifield')).to.throw(/^layer\.semifield: .* but got null/);
    expect(() => getSemifield(['maxplus'] as never)).to.throw(/^semifield: .* but got \["maxplus"\]/);
  });
});
