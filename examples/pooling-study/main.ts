/*
 * Pooling study (issue 19): max-pool against learned quadratic max-plus pooling (isotropic,
 * anisotropic), log-semifield pooling and a max-plus / log conv layer, on Fashion-MNIST, with the
 * same skeleton and budget for every variant and several seeds each.
 *
 *     npm run study:pooling                                  # 6 variants × 3 seeds, 60,000 / 10,000, cpu
 *     npm run study:pooling -- --quick                       # a slice: 1,000 / 500 images, 1 epoch
 *     npm run study:pooling -- --backend webgpu --jobs 15    # on a GPU: one process per run
 *     npm run study:pooling -- --report-only --out DIR       # REPORT.md + plots again from DIR/results.json
 *
 * Every run (variant, seed) trains in its own child process when --jobs > 1 (tfjs's cpu backend
 * computes on one thread; on webgpu each process drives the GPU on its own). The child is this same
 * file forked again — under tsx with tsx's loader flags, or, in the esbuild bundle made for the GPU
 * machine (../shared/device/prepare.sh), the bundle itself — so a bundle needs nothing beside it.
 * Each run seeds everything itself, so its numbers do not depend on --jobs.
 *
 * Writes DIR/results.json after every finished run (an interrupted study keeps what it finished),
 * then DIR/REPORT.md and the plots (report.ts).
 */
import * as tf from '@tensorflow/tfjs';
import {fork} from 'node:child_process';
import {existsSync, mkdirSync, readFileSync, writeFileSync} from 'node:fs';
import os from 'node:os';
import {join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {Command, InvalidArgumentError} from 'commander';
import {debianFashionMnistDir} from '../node-mnist/idx.js';
import {ProgressBoard} from '../node-mnist/progress.js';
import type {TrainEvent} from '../node-mnist/train.js';
import {defaultSkeleton, studyVariants, type StudyVariant} from './models.js';
import {writeReport, type StudyResults} from './report.js';
import {runOne, studyBackends, type RunResult, type RunSpec, type StudyBackend, type StudyConfig} from './run.js';

/** Set in the environment of the child processes: this file then serves one run over IPC. */
const childFlag = 'POOLING_STUDY_CHILD';

type ChildMessage =
  {kind: 'progress'; event: TrainEvent} | {kind: 'result'; result: RunResult} | {kind: 'error'; message: string};

const positiveInt = (name: string) => (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new InvalidArgumentError(`${name}: expected a positive integer, but got '${value}'`);
  return n;
};
const positiveNumber = (name: string) => (value: string) => {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0)
    throw new InvalidArgumentError(`${name}: expected a positive number, but got '${value}'`);
  return n;
};
const variantList = (value: string): StudyVariant[] => {
  const list = value
    .split(',')
    .map((v) => v.trim())
    .filter(Boolean);
  for (const v of list) {
    if (!(studyVariants as readonly string[]).includes(v))
      throw new InvalidArgumentError(
        `--variants: expected a comma-separated list of ${studyVariants.join(', ')}, but got '${v}'`,
      );
  }
  if (list.length === 0) throw new InvalidArgumentError('--variants: expected at least one variant');
  return list as StudyVariant[];
};
const backendName = (value: string): StudyBackend => {
  if (!(studyBackends as readonly string[]).includes(value))
    throw new InvalidArgumentError(`--backend: expected one of ${studyBackends.join(', ')}, but got '${value}'`);
  return value as StudyBackend;
};

interface Options {
  backend: StudyBackend;
  dataDir: string;
  variants: StudyVariant[];
  seeds: number;
  epochs: number;
  batchSize: number;
  learningRate: number;
  learningRateDecay: number;
  train: number;
  test: number;
  dataSeed: number;
  jobs?: number;
  quick?: boolean;
  out: string;
  reportOnly?: boolean;
  cpuTiming?: string;
  progress: boolean;
}

function program(): Command {
  return new Command()
    .name('npm run study:pooling --')
    .description(
      'Max-pool vs learned semifield pooling and semifield conv layers on Fashion-MNIST: several seeds per variant, paired comparison, REPORT.md and plots.',
    )
    .option('--backend <name>', studyBackends.join(' | '), backendName, 'cpu')
    .option(
      '--data-dir <dir>',
      'folder of the Fashion-MNIST IDX files (train-/t10k-images-idx3-ubyte, -labels-idx1-ubyte; .gz or plain)',
      debianFashionMnistDir,
    )
    .option(
      '--variants <list>',
      `comma-separated, from: ${studyVariants.join(', ')} (max-pool is the baseline of the paired comparison)`,
      variantList,
      [...studyVariants],
    )
    .option('--seeds <n>', 'runs per variant, seeds 1…n', positiveInt('--seeds'), 3)
    .option('--epochs <n>', 'training epochs per run', positiveInt('--epochs'), 5)
    .option('--batch-size <n>', 'mini-batch size', positiveInt('--batch-size'), 64)
    .option('--learning-rate <x>', 'initial Adam learning rate', positiveNumber('--learning-rate'), 0.002)
    .option(
      '--learning-rate-decay <x>',
      'learning-rate factor applied after every epoch',
      positiveNumber('--learning-rate-decay'),
      0.8,
    )
    .option(
      '--train <n>',
      'training images (all 60,000 by default; fewer: a seeded subset)',
      positiveInt('--train'),
      60000,
    )
    .option('--test <n>', 'test images (all 10,000 by default; fewer: a seeded subset)', positiveInt('--test'), 10000)
    .option('--data-seed <n>', 'seed of the subsets (the same data for every run)', positiveInt('--data-seed'), 1)
    .option(
      '--jobs <n>',
      'runs at once, one process each (default: one per core on cpu / wasm, 1 on webgpu)',
      positiveInt('--jobs'),
    )
    .option('--quick', 'a slice for tests: at most 1,000 / 500 images, 1 epoch unless --epochs is given')
    .option(
      '--out <dir>',
      'where results.json, REPORT.md and the plots go',
      join('examples', 'pooling-study', 'results'),
    )
    .option('--report-only', 'no training: write REPORT.md and the plots again from <out>/results.json')
    .option(
      '--cpu-timing <results.json>',
      "add a table of cpu cost per variant from another run's results.json (e.g. a slice timed on cpu with --jobs 1)",
    )
    .option('--no-progress', 'plain log lines instead of progress bars');
}

function readResults(path: string): StudyResults {
  if (!existsSync(path))
    throw new Error(`${path}: no such file (run the study first, or give --out the folder of an earlier run)`);
  return JSON.parse(readFileSync(path, 'utf8')) as StudyResults;
}

/** One run in a child process (this file again, see childMain), its progress drawn on `board`. */
function runInChild(spec: RunSpec, config: StudyConfig, board: ProgressBoard, label: string): Promise<RunResult> {
  const self = fileURLToPath(import.meta.url);
  // execArgv carries tsx's loader flags under tsx and is empty for the bundle: either way the child
  // runs exactly what this process runs.
  const child = fork(self, [], {
    execArgv: process.execArgv,
    env: {...process.env, [childFlag]: '1'},
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  const relay = (text: string) => {
    for (const line of text.split('\n')) {
      // tfjs's "install the node backend" banner, once per process: noise with 18 processes.
      if (line.trim() === '' || /looks like you are running TensorFlow\.js in Node|^=+$/.test(line.trim())) continue;
      board.log(`[${label}] ${line}`);
    }
  };
  child.stdout?.setEncoding('utf8').on('data', relay);
  child.stderr?.setEncoding('utf8').on('data', relay);
  return new Promise((resolve, reject) => {
    let result: RunResult | undefined;
    let error: string | undefined;
    child.on('message', (message: ChildMessage) => {
      if (message.kind === 'progress') board.update(label, message.event);
      else if (message.kind === 'result') result = message.result;
      else error = message.message;
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (result != null) resolve(result);
      else
        reject(
          new Error(
            `${label}: ${error ?? `the run's process exited with ${signal ?? `code ${code}`} before reporting a result`}`,
          ),
        );
    });
    child.send({spec, config});
  });
}

function childMain(): void {
  const send = (message: ChildMessage) =>
    new Promise<void>((resolve, reject) =>
      process.send!(message, (err: Error | null) => (err ? reject(err) : resolve())),
    );
  process.once('message', (message: {spec: RunSpec; config: StudyConfig}) => {
    void (async () => {
      try {
        const result = await runOne(message.spec, message.config, (event) => void send({kind: 'progress', event}));
        await send({kind: 'result', result});
      } catch (err) {
        await send({kind: 'error', message: err instanceof Error ? (err.stack ?? err.message) : String(err)});
        process.exitCode = 1;
      } finally {
        process.disconnect();
      }
    })();
  });
}

async function main(): Promise<void> {
  const cli = program();
  const options = cli.parse().opts<Options>();
  const resultsPath = join(options.out, 'results.json');
  const cpuTiming = options.cpuTiming != null ? readResults(options.cpuTiming) : undefined;
  if (!options.reportOnly) mkdirSync(options.out, {recursive: true});
  if (options.reportOnly) {
    const files = await writeReport(readResults(resultsPath), options.out, cpuTiming);
    console.log(`wrote ${files.map((f) => join(options.out, f)).join(', ')}`);
    return;
  }
  if (options.quick) {
    options.train = Math.min(options.train, 1000);
    options.test = Math.min(options.test, 500);
    if (cli.getOptionValueSource('epochs') === 'default') options.epochs = 1;
  }
  const config: StudyConfig = {
    backend: options.backend,
    dataDir: options.dataDir,
    train: options.train,
    test: options.test,
    dataSeed: options.dataSeed,
    epochs: options.epochs,
    batchSize: options.batchSize,
    learningRate: options.learningRate,
    learningRateDecay: options.learningRateDecay,
    skeleton: defaultSkeleton,
  };
  // Seed-major order: if the study is stopped early, every variant has about as many seeds done.
  const specs: RunSpec[] = [];
  for (let seed = 1; seed <= options.seeds; seed++) for (const variant of options.variants) specs.push({variant, seed});
  const parallelBackend = options.backend !== 'webgpu';
  const jobs = Math.min(options.jobs ?? (parallelBackend ? os.availableParallelism() : 1), specs.length);
  const machine = `${os.cpus().length}× ${os.cpus()[0]?.model.trim() ?? 'unknown CPU'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
  console.log(`tfjs ${tf.version.tfjs}, backend ${options.backend}, ${machine}`);
  console.log(
    `Fashion-MNIST (${options.dataDir}): ${options.train} training / ${options.test} test images; ${options.variants.length} variants × ${options.seeds} seeds = ${specs.length} runs, ` +
      `${options.epochs} epoch(s), batch ${options.batchSize}, Adam ${options.learningRate} × ${options.learningRateDecay}^epoch; ${jobs === 1 ? 'one run at a time, in this process' : `${jobs} runs at a time, one process each`}\n`,
  );

  const results: StudyResults = {
    config,
    variants: options.variants,
    seeds: Array.from({length: options.seeds}, (_, i) => i + 1),
    runs: [],
    failures: [],
    meta: {
      command: `study:pooling ${process.argv.slice(2).join(' ')}`.trim(),
      started: new Date().toISOString(),
      wallSeconds: 0,
      jobs,
      machine,
      tfjs: tf.version.tfjs,
      complete: false,
      loadAverage: {start: os.loadavg()[0]},
    },
  };
  const started = performance.now();
  const save = () => {
    results.meta.wallSeconds = (performance.now() - started) / 1000;
    writeFileSync(resultsPath, `${JSON.stringify(results, null, 1)}\n`);
  };
  const board = new ProgressBoard(options.progress && process.stdout.isTTY === true);
  const finished = (r: RunResult) => {
    results.runs.push(r);
    save();
    const elapsed = (performance.now() - started) / 1000;
    board.log(
      `${r.variant} seed ${r.seed}: test accuracy ${(100 * r.testAccuracy[r.testAccuracy.length - 1]).toFixed(2)}%, ${r.secondsPerEpoch.map((s) => s.toFixed(1)).join(' / ')} s per epoch ` +
        `(${results.runs.length}/${specs.length} runs done, ${elapsed.toFixed(0)} s elapsed)`,
    );
  };
  const failed = (spec: RunSpec, err: unknown) => {
    const message = err instanceof Error ? err.message : String(err);
    results.failures.push({...spec, message});
    save();
    board.log(`FAILED ${spec.variant} seed ${spec.seed}: ${message}`);
  };
  const label = (spec: RunSpec) => `${spec.variant} #${spec.seed}`;
  try {
    if (jobs === 1) {
      for (const spec of specs) {
        try {
          finished(await runOne(spec, config, (event) => board.update(label(spec), event)));
        } catch (err) {
          failed(spec, err);
        }
      }
    } else {
      let next = 0;
      const slot = async () => {
        while (next < specs.length) {
          const spec = specs[next++];
          try {
            finished(await runInChild(spec, config, board, label(spec)));
          } catch (err) {
            failed(spec, err);
          }
        }
      };
      await Promise.all(Array.from({length: jobs}, slot));
    }
  } finally {
    board.stop();
  }
  results.meta.complete = results.failures.length === 0;
  results.meta.loadAverage = {start: results.meta.loadAverage!.start, end: os.loadavg()[0]};
  save();
  console.log(
    `\n${results.runs.length} runs in ${(results.meta.wallSeconds / 60).toFixed(1)} min; results in ${resultsPath}`,
  );
  const files = await writeReport(results, options.out, cpuTiming);
  console.log(`wrote ${files.map((f) => join(options.out, f)).join(', ')}`);
  if (!files.some((f) => f.endsWith('.png'))) {
    // The bundle on the GPU machine has no @resvg/resvg-js (a native addon esbuild cannot inline).
    console.log(
      `no PNG plots here (@resvg/resvg-js not loadable): copy ${options.out} to a checkout and run \`npm run study:pooling -- --report-only --out <that folder>\``,
    );
  }
  if (results.failures.length > 0) {
    console.error(`${results.failures.length} run(s) failed (listed in REPORT.md and results.json)`);
    process.exitCode = 1;
  }
}

if (process.env[childFlag] === '1' && process.send != null) {
  childMain();
} else {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exitCode = 1;
  });
}
