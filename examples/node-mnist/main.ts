/*
 * MNIST in Node with semifield layers: the README's main command.
 *
 *     npm run example                                    # all default variants, cpu backend
 *     npm run example -- --epochs 2 --variants baseline,quadratic-pool
 *     npm run example -- --quick                         # smoke run: 2,000 / 500 digits, 1 epoch
 *     npm run example -- --backend wasm                  # or webgpu, or tensorflow (needs tfjs-node)
 *     npm run example -- --jobs 1                        # one variant at a time (cleaner s/epoch)
 *     npm run example -- --dataset fashion-mnist         # full Fashion-MNIST (60,000 / 10,000), IDX
 *                                                        # files of Debian's dataset-fashion-mnist
 *
 * Trains each variant (see models.ts) on the same seeded 8,000 / 2,000 split of the 10,000 digits
 * shipped in the `mnist` package, prints test accuracy and seconds per epoch next to a
 * conv + max-pool baseline of the same size, saves every trained model to --out/<variant>
 * (model.json + weights.bin) and checks that the reloaded model predicts identically.
 *
 * tfjs's cpu backend computes on one thread, so on the cpu and wasm backends the variants train
 * side by side in child processes, one per core (--jobs); each process seeds and computes exactly
 * what it would alone, so the accuracies do not depend on --jobs (the times do, a little: the
 * processes share memory bandwidth).
 */
import * as tf from '@tensorflow/tfjs';
import {fork} from 'node:child_process';
import {Command, InvalidArgumentError} from 'commander';
import os from 'node:os';
import {extname, join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {backendNames} from './backend.js';
import {debianFashionMnistDir} from './idx.js';
import {variantDescriptions, variantNames, type VariantName} from './models.js';
import {ProgressBoard} from './progress.js';
import {
  describeResult,
  loadData,
  prepareBackend,
  runVariant,
  type RunOptions,
  type VariantResult,
} from './run_variant.js';
import type {VariantMessage} from './variant_process.js';

const positiveInt = (name: string) => (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new InvalidArgumentError(`${name}: expected a positive integer, but got '${value}'`);
  return n;
};
const nonNegativeInt = (name: string) => (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 8)
    throw new InvalidArgumentError(`${name}: expected an integer from 0 to 8, but got '${value}'`);
  return n;
};
const positiveNumber = (name: string) => (value: string) => {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0)
    throw new InvalidArgumentError(`${name}: expected a positive number, but got '${value}'`);
  return n;
};
const variantList = (value: string): VariantName[] => {
  const list = value
    .split(',')
    .map((v) => v.trim())
    .filter(Boolean);
  for (const v of list) {
    if (!(variantNames as readonly string[]).includes(v)) {
      throw new InvalidArgumentError(
        `--variants: expected a comma-separated list of ${variantNames.join(', ')}, but got '${v}'`,
      );
    }
  }
  return list as VariantName[];
};

const datasetName = (value: string) => {
  if (value !== 'mnist' && value !== 'fashion-mnist')
    throw new InvalidArgumentError(`--dataset: expected mnist or fashion-mnist, but got '${value}'`);
  return value;
};

const backendName = (value: string) => {
  if (!(backendNames as readonly string[]).includes(value))
    throw new InvalidArgumentError(`--backend: expected one of ${backendNames.join(', ')}, but got '${value}'`);
  return value;
};

const defaultVariants: VariantName[] = ['baseline', 'quadratic-pool', 'maxplus-conv', 'log-conv'];

const program = new Command()
  .name('npm run example --')
  .description(
    'Train small MNIST networks with semifield layers in Node and compare them with a conv + max-pool baseline.',
  )
  .option(
    '--backend <name>',
    'cpu | wasm | webgpu | tensorflow (the last needs @tensorflow/tfjs-node installed)',
    backendName,
    'cpu',
  )
  .option(
    '--jobs <n>',
    'variants trained at once, each in its own process (default: one per core on cpu and wasm, else 1)',
    positiveInt('--jobs'),
  )
  .option('--epochs <n>', 'training epochs per variant', positiveInt('--epochs'), 4)
  .option('--variants <list>', `comma-separated, from: ${variantNames.join(', ')}`, variantList, defaultVariants)
  .option('--batch-size <n>', 'mini-batch size', positiveInt('--batch-size'), 32)
  .option('--learning-rate <x>', 'initial Adam learning rate', positiveNumber('--learning-rate'), 0.004)
  .option(
    '--learning-rate-decay <x>',
    'learning-rate factor applied after every epoch',
    positiveNumber('--learning-rate-decay'),
    0.7,
  )
  .option(
    '--augment <pixels>',
    'shift every training digit by up to this many pixels, re-drawn each epoch (0: off)',
    nonNegativeInt('--augment'),
    1,
  )
  .option('--seed <n>', 'seed of the split, the initialisers and the epoch shuffles', positiveInt('--seed'), 1)
  .option(
    '--dataset <name>',
    'mnist (the 10,000 digits of the mnist package) | fashion-mnist (IDX files in --data-dir; 60,000 / 10,000 unless --train / --test)',
    datasetName,
    'mnist',
  )
  .option('--data-dir <dir>', 'folder of the fashion-mnist IDX files (.gz or plain)', debianFashionMnistDir)
  .option(
    '--train <n>',
    'training images (default 8,000 for mnist, all 60,000 for fashion-mnist)',
    positiveInt('--train'),
  )
  .option(
    '--test <n>',
    'held-out test images (default 2,000 for mnist, all 10,000 for fashion-mnist)',
    positiveInt('--test'),
  )
  .option('--quick', 'smoke run: 2,000 / 500 digits, 1 epoch')
  .option(
    '--out <dir>',
    'where trained models are saved (one folder per variant)',
    join('examples', 'node-mnist', 'out'),
  )
  .option(
    '--tfjs-cpu-kernels',
    "train with tfjs-backend-cpu's own kernels only, not the typed-array replacements of registerFastCpuKernels (tfjs-semifield/cpu-fast)",
  )
  .option('--no-progress', 'plain log lines instead of progress bars');

interface Options extends Omit<RunOptions, 'train' | 'test'> {
  train?: number;
  test?: number;
  variants: VariantName[];
  jobs?: number;
  quick?: boolean;
  progress: boolean;
}

/** Train one variant in a child process (variant_process.ts), drawing its progress on `board`. */
function runInChildProcess(variant: VariantName, options: RunOptions, board: ProgressBoard): Promise<VariantResult> {
  const self = fileURLToPath(import.meta.url);
  const script = join(self, '..', `variant_process${extname(self)}`);
  // execArgv carries tsx's loader flags, so the child runs the TypeScript sources like this process.
  const child = fork(script, [], {execArgv: process.execArgv, stdio: ['ignore', 'pipe', 'inherit', 'ipc']});
  child.stdout?.setEncoding('utf8');
  child.stdout?.on('data', (text: string) => {
    for (const line of text.split('\n')) if (line.trim() !== '') board.log(`[${variant}] ${line}`);
  });
  return new Promise((resolve, reject) => {
    let result: VariantResult | undefined;
    let error: string | undefined;
    child.on('message', (message: VariantMessage) => {
      if (message.kind === 'progress') board.update(variant, message.event);
      else if (message.kind === 'result') result = message.result;
      else if (message.kind === 'error') error = message.message;
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (result != null) resolve(result);
      else
        reject(
          new Error(
            `${variant}: ${error ?? `the variant process exited with ${signal ?? `code ${code}`} before reporting a result`}`,
          ),
        );
    });
    child.send({variant, options});
  });
}

async function main(): Promise<void> {
  const options = program.parse().opts<Options>();
  const fashion = options.dataset === 'fashion-mnist';
  let train = options.train ?? (fashion ? 60000 : 8000);
  let test = options.test ?? (fashion ? 10000 : 2000);
  if (options.quick) {
    train = Math.min(train, 2000);
    test = Math.min(test, 500);
    if (program.getOptionValueSource('epochs') === 'default') options.epochs = 1;
  }
  const parallelBackend = options.backend === 'cpu' || options.backend === 'wasm';
  const jobs = Math.min(options.jobs ?? (parallelBackend ? os.availableParallelism() : 1), options.variants.length);
  const runOptions: RunOptions = {
    backend: options.backend,
    epochs: options.epochs,
    batchSize: options.batchSize,
    learningRate: options.learningRate,
    learningRateDecay: options.learningRateDecay,
    augment: options.augment,
    seed: options.seed,
    train,
    test,
    out: options.out,
    tfjsCpuKernels: options.tfjsCpuKernels,
    dataset: fashion ? 'fashion-mnist' : 'mnist',
    dataDir: options.dataDir,
  };
  const machine = `${os.cpus().length}× ${os.cpus()[0]?.model.trim() ?? 'unknown CPU'}, Node ${process.version}`;
  // With --jobs 1 everything runs here; otherwise each child process selects the backend itself.
  const backend = jobs === 1 ? await prepareBackend(runOptions) : options.backend;
  console.log(`tfjs ${tf.version.tfjs}, backend '${backend}', ${machine}`);
  const dataLine = fashion
    ? `Fashion-MNIST (${options.dataDir}): ${train} training / ${test} test images`
    : `MNIST (mnist package): ${train} training / ${test} test digits`;
  console.log(
    `${dataLine}, seed ${options.seed}; ${options.epochs} epoch(s), batch ${options.batchSize}, Adam ${options.learningRate} × ${options.learningRateDecay}^epoch, shifts ±${options.augment} px; ${jobs === 1 ? 'one variant at a time' : `${jobs} variants at a time, one process each`}\n`,
  );

  const started = performance.now();
  const board = new ProgressBoard(options.progress && process.stdout.isTTY === true);
  const results = new Map<VariantName, VariantResult>();
  const failures: string[] = [];
  const finish = (r: VariantResult) => {
    results.set(r.variant, r);
    board.log(describeResult(r));
  };
  try {
    if (jobs === 1) {
      const data = loadData(runOptions);
      for (const variant of options.variants)
        finish(await runVariant(variant, runOptions, data, (event) => board.update(variant, event)));
    } else {
      let next = 0;
      const slot = async () => {
        while (next < options.variants.length) {
          const variant = options.variants[next++];
          try {
            finish(await runInChildProcess(variant, runOptions, board));
          } catch (err) {
            failures.push((err as Error).message);
            board.log((err as Error).message);
          }
        }
      };
      await Promise.all(Array.from({length: jobs}, slot));
    }
  } finally {
    board.stop();
  }
  const totalSeconds = Math.round((performance.now() - started) / 1000);

  console.log(`\n| variant | network | params | test accuracy (${test} images) | s/epoch (${train} images) |`);
  console.log('|---|---|---:|---:|---:|');
  for (const variant of options.variants) {
    const row = results.get(variant);
    if (row == null) continue;
    console.log(
      `| ${variant} | ${variantDescriptions[variant]} | ${row.params} | ${(100 * row.accuracy).toFixed(2)}% | ${row.secondsPerEpoch.toFixed(1)} |`,
    );
  }
  console.log(
    `\nbackend '${backend}', ${options.epochs} epoch(s), ${jobs === 1 ? 'one variant at a time' : `${jobs} variants at a time`}, ${machine}; all variants in ${Math.floor(totalSeconds / 60)} min ${totalSeconds % 60} s`,
  );
  if ([...results.values()].some((r) => !r.reloadedSame)) {
    console.error('A reloaded model did not reproduce its accuracy.');
    process.exitCode = 1;
  }
  if (failures.length > 0) process.exitCode = 1;
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
});
