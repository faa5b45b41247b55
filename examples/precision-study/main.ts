// One command regenerates the whole conv-algorithm study (issue 6):
//   flock /tmp/bench.lock npm run study:precision     (--quick for a smoke run)
// Writes results.json, REPORT.md and the SVG/PNG plots into this folder.
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import {SingleBar, Presets} from 'cli-progress';
import {Command} from 'commander';
import {existsSync, readFileSync, writeFileSync} from 'node:fs';
import {cpus} from 'node:os';
import {fileURLToPath} from 'node:url';
import {
  LINEAR_ALGORITHMS,
  emulatedErrorTable,
  errorsOfOutputs,
  linearProblems,
  tfjsCpuErrors,
  type ErrorCell,
} from './linear_errors.js';
import {plotErrors, plotTiming} from './plots.js';
import {LARGE_KERNELS, LINEAR_STUDY, relativeError} from './problems.js';
import {writeReport, type StudyResults} from './report.js';
import {SEMIFIELD_CASES, semifieldErrorTable, semifieldProblems, semifieldReference} from './semifield_errors.js';
import {TIMING_SPECS, measureRow, type TimingRow, type TimingRowSpec} from './timing_rows.js';
import {startBrowser} from './browser/chromium.js';

const program = new Command()
  .name('study:precision')
  .description('Precision and timing study of the conv algorithms (im2col, Winograd, FFT, autotuner)')
  .option('--quick', 'one seed, short timings (smoke run; do not commit its outputs)', false)
  .option('--no-webgl', 'skip the headless-Chromium WebGL half')
  .option('--out <dir>', 'output folder', fileURLToPath(new URL('.', import.meta.url)))
  .option('--chromium <path>', 'Chromium executable', '/usr/bin/chromium')
  .option(
    '--parts <list>',
    "'errors', 'timing', both, or 'none' (only redraw plots and REPORT.md); a part left out is kept from the existing results.json",
    'errors,timing',
  );
program.parse();
const opts = program.opts<{quick: boolean; webgl: boolean; out: string; chromium: string; parts: string}>();
const out = opts.out.endsWith('/') ? opts.out : `${opts.out}/`;
const parts = new Set(opts.parts === 'none' ? [] : opts.parts.split(','));
for (const p of parts)
  if (p !== 'errors' && p !== 'timing')
    throw new Error(`--parts: expected 'errors', 'timing', both or 'none', but got '${p}'`);
// JSON has no ∞/NaN: they are stored as strings and restored on reading.
const encodeNonFinite = (_key: string, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v);
const decodeNonFinite = (_key: string, v: unknown) =>
  v === 'Infinity' || v === '-Infinity' || v === 'NaN' ? Number(v) : v;
const previous: StudyResults | null = existsSync(`${out}results.json`)
  ? (JSON.parse(readFileSync(`${out}results.json`, 'utf8'), decodeNonFinite) as StudyResults)
  : null;

const seeds = opts.quick ? LINEAR_STUDY.seeds.slice(0, 1) : LINEAR_STUDY.seeds;
const timingOptions = opts.quick ? {minTimeMs: 20, maxRounds: 5} : {minTimeMs: 150, maxRounds: 40};
const timingSpecs: TimingRowSpec[] = opts.quick ? TIMING_SPECS.filter((s) => s.size === 32) : TIMING_SPECS;
const fftSizes = opts.quick ? [32, 64] : [32, 64, 128];
// tfjs's cpu rfft takes seconds per call at 64² already; 128² would dominate the run.
const fftSizesFor = (backend: string) => (backend === 'cpu' ? fftSizes.filter((s) => s <= 64) : fftSizes);

const doErrors = parts.has('errors');
const doTiming = parts.has('timing');
const totalSteps =
  (doErrors ? LINEAR_ALGORITHMS.length * 7 + 21 + 1 + LARGE_KERNELS.length : 0) +
  (doTiming ? timingSpecs.length * 2 + fftSizesFor('cpu').length + fftSizesFor('wasm').length : 0) +
  (opts.webgl ? (doErrors ? 2 : 0) + (doTiming ? timingSpecs.length + fftSizesFor('webgl').length : 0) : 0) +
  1;
// Without a TTY (CI, logs) cli-progress prints a line every 10 s instead of redrawing.
const bar = new SingleBar(
  {format: '{bar} {value}/{total} {phase}', hideCursor: true, noTTYOutput: true, notTTYSchedule: 10000},
  Presets.shades_classic,
);
bar.start(totalSteps, 0, {phase: 'starting'});
const tick = (phase?: string) => bar.increment(1, phase ? {phase} : {});

const linProblems = linearProblems(seeds, LINEAR_STUDY.size, LINEAR_STUDY.cin, LINEAR_STUDY.cout, LINEAR_STUDY.k);
const sfProblems = semifieldProblems(seeds, LINEAR_STUDY.size, LINEAR_STUDY.cin, LINEAR_STUDY.cout, LINEAR_STUDY.k);
const linear: ErrorCell[] = [];
const semifield: ErrorCell[] = [];
const largeKernel: StudyResults['largeKernel'] = [];
const timing: TimingRow[] = [];
const fftScaling: StudyResults['fftScaling'] = [];

await tf.setBackend('cpu');
if (doErrors) {
  bar.update({phase: 'emulated linear formats'});
  linear.push(...emulatedErrorTable(linProblems, () => tick()));
  bar.update({phase: 'emulated semifield formats'});
  semifield.push(...semifieldErrorTable(sfProblems, () => tick()));
  tick('tfjs cpu float32');
  linear.push(...tfjsCpuErrors(linProblems));
  // Large kernels: FFT against direct and tf.conv2d in float32 on tfjs cpu (Winograd does not apply).
  for (const k of LARGE_KERNELS) {
    const cells = tfjsCpuErrors(linearProblems(seeds, 32, 2, 2, k), ['direct', 'fft', 'tf.conv2d']);
    const err = (name: string) => cells.find((c) => c.algorithm === name)!.error!;
    largeKernel.push({k, direct: err('direct'), fft: err('fft'), tfjs: err('tf.conv2d')});
    tick();
  }
}

if (doTiming) {
  for (const backend of ['cpu', 'wasm']) {
    await tf.setBackend(backend);
    for (const spec of timingSpecs) {
      bar.update({phase: `timing ${backend} ${spec.k}×${spec.k} ${spec.size}²`});
      timing.push(measureRow(spec, timingOptions));
      tick();
    }
    for (const size of fftSizesFor(backend)) {
      bar.update({phase: `fft scaling ${backend} ${size}²`});
      const row = measureRow({size, k: 11, channels: 4}, timingOptions);
      fftScaling.push({
        backend,
        size,
        k: 11,
        channels: 4,
        spectral: row.ms['fft-spectral'],
        radix2: row.ms['fft-radix2'],
        tfjs: row.ms['tfjs'],
      });
      tick();
    }
  }
  await tf.setBackend('cpu');
}

type Study = {
  conv6Study: {
    linearOutputs(p: unknown): Record<string, number[][]>;
    semifieldOutputs(c: unknown): {fused: boolean; outputs: Record<string, number[][]>; path: Record<string, string>};
    timingRows(s: unknown, o: unknown): TimingRow[];
    fftTransforms(
      s: number[],
      k: number,
      c: number,
      o: unknown,
    ): Array<{
      size: number;
      k: number;
      channels: number;
      spectral: number | null;
      radix2: number | null;
      tfjs: number | null;
    }>;
  };
};
let webglInfo: Record<string, unknown> | null = null;
if (opts.webgl && (doErrors || doTiming)) {
  const session = await startBrowser(opts.chromium);
  try {
    if (doErrors) {
      for (const f16 of [true, false]) {
        bar.update({phase: `webgl ${f16 ? 'f16' : 'f32'} textures: errors`});
        const {page, info} = await session.open(f16);
        webglInfo = {renderer: info.renderer, version: info.version};
        const outputs = await page.evaluate(
          (p) => (globalThis as never as Study).conv6Study.linearOutputs(p),
          linProblems,
        );
        linear.push(...errorsOfOutputs(linProblems, outputs, f16 ? 'float16 (WebGL F16 textures)' : 'float32 (WebGL)'));
        if (f16) {
          const cases = SEMIFIELD_CASES.map((c) => ({label: c.label, config: c.config, problems: sfProblems[c.label]}));
          const res = await page.evaluate((c) => (globalThis as never as Study).conv6Study.semifieldOutputs(c), cases);
          for (const c of SEMIFIELD_CASES) {
            const ys = res.outputs[c.label];
            const e =
              ys.reduce((s, y, i) => s + relativeError(y, semifieldReference(sfProblems[c.label][i], c.config)), 0) /
              ys.length;
            semifield.push({
              algorithm: `${c.label} (anchored)`,
              format: 'float16 (WebGL F16 textures)',
              error: e,
              overflows: 0,
              note: res.path[c.label],
            });
          }
        }
        await page.close();
        tick();
      }
    }
    if (doTiming) {
      const {page, info} = await session.open(false);
      webglInfo = {renderer: info.renderer, version: info.version};
      for (const spec of timingSpecs) {
        bar.update({phase: `timing webgl ${spec.k}×${spec.k} ${spec.size}²`});
        timing.push(
          ...(await page.evaluate(([s, o]) => (globalThis as never as Study).conv6Study.timingRows(s, o), [
            [spec],
            timingOptions,
          ] as const)),
        );
        tick();
      }
      for (const size of fftSizesFor('webgl')) {
        bar.update({phase: `fft scaling webgl ${size}²`});
        const rows = await page.evaluate(
          ([s, o]) => (globalThis as never as Study).conv6Study.fftTransforms([...s], 11, 4, o),
          [[size], timingOptions] as const,
        );
        fftScaling.push(...rows.map((r) => ({backend: 'webgl', ...r})));
        tick();
      }
      await page.close();
    }
  } finally {
    await session.close();
  }
}

bar.update({phase: 'plots and report'});
if (!doErrors) {
  linear.push(...(previous?.linear ?? []));
  semifield.push(...(previous?.semifield ?? []));
  largeKernel.push(...(previous?.largeKernel ?? []));
}
if (!doTiming) {
  timing.push(...(previous?.timing ?? []));
  fftScaling.push(...(previous?.fftScaling ?? []));
}
if (webglInfo == null && previous?.machine.webgl) webglInfo = previous.machine.webgl;
const formatsLinear = [
  'float64',
  'float32',
  'float32 (tfjs cpu)',
  'float32 (WebGL)',
  'float16',
  'float16 (WebGL F16 textures)',
  'bfloat16',
  'int32',
  'int16',
  'int8',
];
const formatsSemifield = ['float32', 'float32 (tfjs cpu)', 'float16', 'float16 (WebGL F16 textures)', 'bfloat16'];
await plotErrors(
  linear,
  formatsLinear,
  'Linear conv algorithms: reconstruction error per numeric format',
  `${out}linear_errors`,
);
await plotErrors(
  semifield,
  formatsSemifield,
  'Semifield conv (3×3, 4→4 channels): error per format',
  `${out}semifield_errors`,
);
if (timing.length > 0) await plotTiming(timing, `${out}timing`);
const results: StudyResults = {
  generated: new Date().toISOString(),
  quick: opts.quick,
  config: {linear: {...LINEAR_STUDY, seeds}, timing: {specs: timingSpecs, ...timingOptions}},
  machine: {node: process.version, cpus: cpus().length, webgl: webglInfo},
  linear,
  semifield,
  largeKernel,
  timing,
  fftScaling,
};
writeFileSync(`${out}results.json`, JSON.stringify(results, encodeNonFinite, 1));
writeReport(results, `${out}REPORT.md`);
tick('done');
bar.stop();
console.log(`wrote ${out}REPORT.md, results.json, linear_errors/semifield_errors/timing .svg/.png`);
