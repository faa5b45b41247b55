/*
 * Child process of test/node/webgpu-bounded.test.ts (run with `node --import tsx`): forward and
 * both gradients of seeded random configurations on webgpu through Dawn, one JSON line per
 * configuration on stdout ({n, label, ms, rssMB, maxRssMB, dxErr, dwErr, yErr}). It runs in a child so
 * that a call that never returns (a shader whose compilation does not end blocks the JavaScript
 * thread, issue 13) is killed by the parent's time bound instead of hanging the suite, and so that
 * its peak resident memory is its own.
 *
 * Usage: webgpu_random_configs.ts COUNT SEED
 */
import * as tf from '@tensorflow/tfjs';
import {semifieldConv2d} from '../../../index.js';
import {initNodeWebGPU} from '../../../src/backends/node_webgpu.js';
import {maxRelError} from '../../reference/cases.js';
import {normal, rng, uniform} from '../../reference/random.js';
import {referenceConv2d, referenceConv2dGrads, type RefSemifield} from '../../reference/reference.js';
import {installGeneratedWGSLCheck} from '../../reference/wgsl_checks.js';

type Config = string | {name: 'log'; mu: number} | {name: 'root'; p: number};
const semifields: Config[] = [
  'maxplus',
  'minplus',
  'linear',
  'log',
  {name: 'log', mu: -0.5},
  {name: 'log', mu: 0.1},
  'root',
  {name: 'root', p: 3},
  {name: 'root', p: 0.5},
  {name: 'root', p: -1},
  {name: 'root', p: -0.5},
  {name: 'root', p: -2},
];

const count = Number(process.argv[2] ?? 16);
const seed = Number(process.argv[3] ?? 1);
await initNodeWebGPU();
installGeneratedWGSLCheck(tf.findBackend('webgpu') as never);
const r = rng(seed);
const pick = <T>(list: T[]): T => list[Math.floor(r() * list.length)];
for (let n = 0; n < count; n++) {
  const sf = n < semifields.length ? semifields[n] : pick(semifields);
  const ref: RefSemifield =
    typeof sf === 'string'
      ? {name: sf as RefSemifield['name']}
      : sf.name === 'log'
        ? {name: 'log', mu: sf.mu}
        : {name: 'root', p: sf.p};
  const groups = pick([1, 1, 2, 3]);
  const cpg = pick([1, 2, 3, 5, 8]);
  const opg = pick([1, 2, 4, 7]);
  const cin = cpg * groups;
  const cout = opg * groups;
  const kh = pick([1, 2, 3, 5]);
  const kw = pick([1, 2, 3]);
  const strides: [number, number] = [pick([1, 1, 2]), pick([1, 2])];
  const dilations: [number, number] = [pick([1, 1, 2]), pick([1, 3])];
  const H = 6 + Math.floor(r() * 10);
  const W = 6 + Math.floor(r() * 12);
  const B = pick([1, 2]);
  const padPairs: [[number, number], [number, number]] = [
    [Math.floor(r() * 3), Math.floor(r() * 3)],
    [Math.floor(r() * 3), Math.floor(r() * 3)],
  ];
  const xShape = [B, H, W, cin];
  const wShape = [kh, kw, cpg, cout];
  const size = (s: number[]) => s.reduce((a, b) => a * b, 1);
  const isRoot = ref.name === 'root';
  const xv = isRoot ? uniform(size(xShape), 0.2, 1.5, seed * 1000 + n) : normal(size(xShape), seed * 1000 + n);
  const wv = isRoot
    ? uniform(size(wShape), 0.2, 1.5, seed * 1000 + n + 500)
    : normal(size(wShape), seed * 1000 + n + 500, 0.5);
  const geometry = {
    strides,
    dilations,
    pad: [padPairs[0][0], padPairs[0][1], padPairs[1][0], padPairs[1][1]] as [number, number, number, number],
    groups,
  };
  const OH = Math.floor((H + geometry.pad[0] + geometry.pad[1] - ((kh - 1) * dilations[0] + 1)) / strides[0]) + 1;
  const OW = Math.floor((W + geometry.pad[2] + geometry.pad[3] - ((kw - 1) * dilations[1] + 1)) / strides[1]) + 1;
  const label = `${JSON.stringify(sf)} x[${xShape}] w[${wShape}] groups ${groups} strides ${strides} dilations ${dilations} pad ${JSON.stringify(padPairs)}`;
  if (OH <= 0 || OW <= 0) {
    process.stdout.write(JSON.stringify({n, label, skipped: 'empty output'}) + '\n');
    continue;
  }
  const upstream = normal(B * OH * OW * cout, seed * 1000 + n + 900);
  const t0 = Date.now();
  const options = {strides, dilations, pad: padPairs, groups};
  const {y, dx, dw} = tf.tidy(() => {
    const x = tf.tensor4d(xv, xShape as [number, number, number, number]);
    const w = tf.tensor4d(wv, wShape as [number, number, number, number]);
    const up = tf.tensor4d(upstream, [B, OH, OW, cout]);
    const y = semifieldConv2d(x, w, sf as never, options);
    const [dx, dw] = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
      tf.sum(tf.mul(semifieldConv2d(a as tf.Tensor4D, b as tf.Tensor4D, sf as never, options), up)),
    )([x, w]);
    return {y, dx, dw};
  });
  const [yGot, dxGot, dwGot] = await Promise.all([y.data(), dx.data(), dw.data()]);
  tf.dispose([y, dx, dw]);
  const ms = Date.now() - t0;
  const yRef = referenceConv2d(xv, xShape, wv, wShape, ref, geometry).y;
  const grads = referenceConv2dGrads(xv, xShape, wv, wShape, ref, geometry, upstream);
  const usage = process.resourceUsage();
  process.stdout.write(
    JSON.stringify({
      n,
      label,
      ms,
      yErr: maxRelError(yGot, yRef),
      dxErr: maxRelError(dxGot, grads.dx),
      dwErr: maxRelError(dwGot, grads.dw),
      rssMB: Math.round(process.memoryUsage().rss / 2 ** 20),
      maxRssMB: Math.round(usage.maxRSS / 1024),
      tensors: tf.memory().numTensors,
    }) + '\n',
  );
}
process.exit(0);
