/*
 * MNIST in Node with semifield layers: the README's main command.
 *
 *     npm run example                                    # all default variants, cpu backend
 *     npm run example -- --epochs 2 --variants baseline,quadratic-pool
 *     npm run example -- --quick                         # smoke run: 2,000 / 500 digits, 1 epoch
 *     npm run example -- --backend wasm                  # or webgpu, or tensorflow (needs tfjs-node)
 *
 * Trains each variant (see models.ts) on the same seeded 8,000 / 2,000 split of the 10,000 digits
 * shipped in the `mnist` package, prints test accuracy and seconds per epoch next to a
 * conv + max-pool baseline of the same size, saves every trained model to --out/<variant>
 * (model.json + weights.bin) and checks that the reloaded model predicts identically.
 */
import * as tf from '@tensorflow/tfjs';
import {Command, InvalidArgumentError} from 'commander';
import os from 'node:os';
import {join} from 'node:path';
import '../../index.js'; // registers the fused kernels and the semifield layer classes
import {selectBackend} from './backend.js';
import {loadMnist} from './data.js';
import {installFastConv2DBackpropFilter, installWasmConv2DBackpropFilter} from './fast_conv2d_backprop_filter.js';
import {loadModelFromFolder, saveModelToFolder} from './model_io.js';
import {buildModel, variantDescriptions, variantNames, type VariantName} from './models.js';
import {accuracy, trainAndEvaluate} from './train.js';

const positiveInt = (name: string) => (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`${name}: expected a positive integer, but got '${value}'`);
  return n;
};
const nonNegativeInt = (name: string) => (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 8) throw new InvalidArgumentError(`${name}: expected an integer from 0 to 8, but got '${value}'`);
  return n;
};
const positiveNumber = (name: string) => (value: string) => {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`${name}: expected a positive number, but got '${value}'`);
  return n;
};
const variantList = (value: string): VariantName[] => {
  const list = value.split(',').map((v) => v.trim()).filter(Boolean);
  for (const v of list) {
    if (!(variantNames as readonly string[]).includes(v)) {
      throw new InvalidArgumentError(`--variants: expected a comma-separated list of ${variantNames.join(', ')}, but got '${v}'`);
    }
  }
  return list as VariantName[];
};

const defaultVariants: VariantName[] = ['baseline', 'quadratic-pool', 'maxplus-conv', 'log-conv'];

const program = new Command()
  .name('npm run example --')
  .description('Train small MNIST networks with semifield layers in Node and compare them with a conv + max-pool baseline.')
  .option('--backend <name>', 'cpu | wasm | webgpu | tensorflow (the last needs @tensorflow/tfjs-node installed)', 'cpu')
  .option('--epochs <n>', 'training epochs per variant', positiveInt('--epochs'), 4)
  .option('--variants <list>', `comma-separated, from: ${variantNames.join(', ')}`, variantList, defaultVariants)
  .option('--batch-size <n>', 'mini-batch size', positiveInt('--batch-size'), 32)
  .option('--learning-rate <x>', 'initial Adam learning rate', positiveNumber('--learning-rate'), 0.004)
  .option('--learning-rate-decay <x>', 'learning-rate factor applied after every epoch', positiveNumber('--learning-rate-decay'), 0.7)
  .option('--augment <pixels>', 'shift every training digit by up to this many pixels, re-drawn each epoch (0: off)', nonNegativeInt('--augment'), 1)
  .option('--seed <n>', 'seed of the split, the initialisers and the epoch shuffles', positiveInt('--seed'), 1)
  .option('--train <n>', 'training digits', positiveInt('--train'), 8000)
  .option('--test <n>', 'held-out test digits', positiveInt('--test'), 2000)
  .option('--quick', 'smoke run: 2,000 / 500 digits, 1 epoch')
  .option('--out <dir>', 'where trained models are saved (one folder per variant)', join('examples', 'node-mnist', 'out'))
  .option('--tfjs-conv-grad', "keep tfjs's own (very slow) cpu Conv2DBackpropFilter instead of the example's typed-array one")
  .option('--no-progress', 'plain log lines instead of progress bars');

interface Options {
  backend: string;
  epochs: number;
  variants: VariantName[];
  batchSize: number;
  learningRate: number;
  learningRateDecay: number;
  augment: number;
  seed: number;
  train: number;
  test: number;
  quick?: boolean;
  out: string;
  tfjsConvGrad?: boolean;
  progress: boolean;
}

async function main(): Promise<void> {
  const options = program.parse().opts<Options>();
  if (options.quick) {
    options.train = Math.min(options.train, 2000);
    options.test = Math.min(options.test, 500);
    if (program.getOptionValueSource('epochs') === 'default') options.epochs = 1;
  }
  const backend = await selectBackend(options.backend);
  if (backend === 'cpu' && !options.tfjsConvGrad) installFastConv2DBackpropFilter();
  if (backend === 'wasm') installWasmConv2DBackpropFilter();
  const machine = `${os.cpus().length}× ${os.cpus()[0]?.model.trim() ?? 'unknown CPU'}, Node ${process.version}`;
  console.log(`tfjs ${tf.version.tfjs}, backend '${backend}', ${machine}`);
  const data = loadMnist(options.train, options.test, options.seed);
  console.log(`MNIST (mnist package): ${options.train} training / ${options.test} test digits, seed ${options.seed}; ${options.epochs} epoch(s), batch ${options.batchSize}, Adam ${options.learningRate} × ${options.learningRateDecay}^epoch, shifts ±${options.augment} px\n`);

  const rows: Array<{variant: VariantName; params: number; accuracy: number; secondsPerEpoch: number; reloaded: string}> = [];
  for (const variant of options.variants) {
    const model = buildModel(variant, options.seed);
    const result = await trainAndEvaluate(model, data, {
      epochs: options.epochs,
      batchSize: options.batchSize,
      learningRate: options.learningRate,
      learningRateDecay: options.learningRateDecay,
      augmentShift: options.augment,
      seed: options.seed,
      label: variant,
      progress: options.progress && process.stdout.isTTY === true,
    });
    const folder = join(options.out, variant);
    await saveModelToFolder(model, folder);
    const reloaded = await loadModelFromFolder(folder);
    const reloadedAccuracy = await accuracy(reloaded, data.testImages, data.testLabels);
    const same = reloadedAccuracy === result.testAccuracy;
    // Skip the first epoch's time when there are more: it includes one-off warm-up.
    const timed = result.secondsPerEpoch.length > 1 ? result.secondsPerEpoch.slice(1) : result.secondsPerEpoch;
    const secondsPerEpoch = timed.reduce((a, b) => a + b, 0) / timed.length;
    console.log(
      `${variant}: test accuracy ${(100 * result.testAccuracy).toFixed(2)}%, ${secondsPerEpoch.toFixed(1)} s/epoch; saved to ${folder} (reloaded: ${same ? 'same accuracy' : `accuracy ${reloadedAccuracy}`})\n`,
    );
    rows.push({variant, params: model.countParams(), accuracy: result.testAccuracy, secondsPerEpoch, reloaded: same ? 'ok' : 'MISMATCH'});
    model.dispose();
    reloaded.dispose();
  }

  console.log(`| variant | network | params | test accuracy (${options.test} digits) | s/epoch (${options.train} digits) |`);
  console.log('|---|---|---:|---:|---:|');
  for (const row of rows) {
    console.log(`| ${row.variant} | ${variantDescriptions[row.variant]} | ${row.params} | ${(100 * row.accuracy).toFixed(2)}% | ${row.secondsPerEpoch.toFixed(1)} |`);
  }
  console.log(`\nbackend '${backend}', ${options.epochs} epoch(s), ${machine}`);
  if (rows.some((r) => r.reloaded !== 'ok')) {
    console.error('A reloaded model did not reproduce its accuracy.');
    process.exitCode = 1;
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
});
