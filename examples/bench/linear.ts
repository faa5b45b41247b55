// Linear-primitive benchmark (issue 7): LowRankDense vs Dense on each backend, and the cost of the
// log-domain / LNS products against tf.matMul. Run: flock /tmp/bench.lock npm run bench:linear
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import cliProgress from 'cli-progress';
import {Command} from 'commander';
import {lnsMatMul, lnsMatMulEmulated, logMatMul, LowRankDense} from '../../src/primitives/index.js';
import {gaussianValues} from '../compression-study/data.js';
import {fmt, markdownTable} from '../compression-study/plot.js';
import {interleavedMedians} from '../compression-study/timing.js';

const opts = new Command()
  .option('--backends <list>', 'backends for the layer benchmark', 'cpu,wasm')
  .option('--reps <n>', 'timed repetitions', '9')
  .parse()
  .opts<{backends: string; reps: string}>();
const reps = Number(opts.reps);
const backends = opts.backends.split(',');
const ranks = [32, 64, 128, 256, 309, 384];
const batch = 256;
const progress = new cliProgress.SingleBar(
  {format: 'bench:linear [{bar}] {value}/{total} {duration_formatted}'},
  cliProgress.Presets.shades_classic,
);
progress.start(backends.length * reps * (ranks.length + 1) + reps * 5, 0);

const layerRows: (string | number)[][] = [];
for (const backend of backends) {
  await tf.setBackend(backend);
  const x = tf.tensor2d(gaussianValues(batch * 784, 1), [batch, 784]);
  const denseLayer = tf.layers.dense({units: 512, inputShape: [784]});
  denseLayer.apply(x);
  const lowRank = ranks.map((rank) => {
    const layer = new LowRankDense({units: 512, rank});
    layer.apply(x);
    return layer;
  });
  const candidates = new Map<string, () => tf.Tensor>([['Dense 784→512', () => denseLayer.apply(x) as tf.Tensor]]);
  ranks.forEach((rank, i) => candidates.set(`LowRankDense r=${rank}`, () => lowRank[i].apply(x) as tf.Tensor));
  const medians = interleavedMedians(candidates, reps, 2, () => progress.increment());
  const denseMs = medians.get('Dense 784→512')!;
  for (const [name, ms] of medians) layerRows.push([backend, name, fmt(ms), (denseMs / ms).toFixed(2)]);
  x.dispose();
}

await tf.setBackend('cpu');
const size = 128;
const a = tf.tensor2d(gaussianValues(size * size, 2), [size, size]);
const b = tf.tensor2d(gaussianValues(size * size, 3), [size, size]);
const products = new Map<string, () => tf.Tensor>([
  ['tf.matMul', () => tf.matMul(a, b)],
  ['logMatMul', () => logMatMul(a, b)],
  ['lnsMatMul F=8 (tfjs ops)', () => lnsMatMul(a, b, {fracBits: 8})],
  ['lnsMatMulEmulated F=8 (TypeScript)', () => tf.tensor(lnsMatMulEmulated(a, b, {fracBits: 8}).values)],
  ['lnsMatMulEmulated F=8 h=4', () => tf.tensor(lnsMatMulEmulated(a, b, {fracBits: 8, hybridBits: 4}).values)],
]);
const productMs = interleavedMedians(products, reps, 1, () => progress.increment());
progress.stop();
const matMulMs = productMs.get('tf.matMul')!;

console.log(`\n### LowRankDense vs Dense, batch ${batch}, median of ${reps}\n`);
console.log(markdownTable(['backend', 'layer', 'ms', 'speed-up vs Dense'], layerRows));
console.log(`\n### ${size}×${size}·${size}×${size} products on cpu, median of ${reps}\n`);
console.log(
  markdownTable(
    ['product', 'ms', '× tf.matMul'],
    [...productMs].map(([name, ms]) => [name, fmt(ms), (ms / matMulMs).toFixed(1)]),
  ),
);
