/*
 * REPORT.md and the plots of the pooling study, generated from results.json alone: every number
 * and every sentence that states a finding comes from the runs (stats.ts), so `--report-only`
 * regenerates the same report from the same data, and a different run gives a different report.
 */
import {writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {studyVariantDescriptions, type StudyVariant} from './models.js';
import {savePlot, type VegaLiteSpec} from './plot.js';
import type {RunResult, RunSpec, StudyConfig} from './run.js';
import {mean, meanDifferenceInterval, pairedComparison, signTestTwoSided, std, type PairedComparison} from './stats.js';

export interface StudyResults {
  config: StudyConfig;
  variants: StudyVariant[];
  seeds: number[];
  runs: RunResult[];
  failures: (RunSpec & {message: string})[];
  meta: {
    command: string;
    started: string;
    wallSeconds: number;
    jobs: number;
    machine: string;
    tfjs: string;
    complete: boolean;
    /** 1-minute load average of the machine at the start and at the end of the study (others' work shows here). */
    loadAverage?: {start: number; end?: number};
  };
}

/** Significance level of the statements "higher" / "lower" below. */
export const alpha = 0.05;
/** The issue's acceptance threshold for the baseline. */
export const baselineTarget = 0.9;
const baseline: StudyVariant = 'max-pool';
const learnedPools: StudyVariant[] = ['quad-iso', 'quad-aniso', 'log-pool'];

const pct = (x: number, digits = 2) => (Number.isFinite(x) ? (100 * x).toFixed(digits) : '–');
const pp = (x: number, digits = 2) =>
  Number.isFinite(x) ? `${x >= 0 ? '+' : '−'}${Math.abs(100 * x).toFixed(digits)}` : '–';
const num = (x: number, digits = 2) =>
  Number.isNaN(x) ? '–' : !Number.isFinite(x) ? (x > 0 ? '∞' : '−∞') : x.toFixed(digits).replace(/^-/, '−');
const pValue = (p: number) => (Number.isNaN(p) ? '–' : p < 0.001 ? p.toExponential(1) : p.toFixed(3));
const interval = (c: PairedComparison) => {
  const [lo, hi] = meanDifferenceInterval(c, alpha);
  return Number.isFinite(lo) && Number.isFinite(hi) ? `${pp(lo)} … ${pp(hi)}` : '–';
};
const table = (header: string[], rows: string[][]) =>
  [header, header.map(() => '---'), ...rows].map((r) => `| ${r.join(' | ')} |`).join('\n');

export const finalAccuracy = (r: RunResult) => r.testAccuracy[r.testAccuracy.length - 1];
/** s/epoch of a run without its first epoch (one-off warm-up: kernel compilation, JIT), unless it has one epoch only. */
export const steadySecondsPerEpoch = (r: RunResult) =>
  mean(r.secondsPerEpoch.length > 1 ? r.secondsPerEpoch.slice(1) : r.secondsPerEpoch);

interface VariantSummary {
  variant: StudyVariant;
  runs: RunResult[];
  accuracies: number[];
  mean: number;
  std: number;
  secondsPerEpoch: number;
  secondsPerEpochStd: number;
}

function summarise(results: StudyResults): VariantSummary[] {
  return results.variants.map((variant) => {
    const runs = results.runs.filter((r) => r.variant === variant).sort((a, b) => a.seed - b.seed);
    const accuracies = runs.map(finalAccuracy);
    const seconds = runs.map(steadySecondsPerEpoch);
    return {
      variant,
      runs,
      accuracies,
      mean: mean(accuracies),
      std: std(accuracies),
      secondsPerEpoch: mean(seconds),
      secondsPerEpochStd: std(seconds),
    };
  });
}

/** Pairs a variant's runs with the baseline's by seed (only seeds both finished). */
export function compareWithBaseline(
  results: StudyResults,
  variant: StudyVariant,
): {seeds: number[]; comparison: PairedComparison} | null {
  const byVariant = (v: StudyVariant) =>
    new Map(results.runs.filter((r) => r.variant === v).map((r) => [r.seed, finalAccuracy(r)]));
  const a = byVariant(variant);
  const b = byVariant(baseline);
  const seeds = [...a.keys()].filter((s) => b.has(s)).sort((x, y) => x - y);
  if (seeds.length === 0) return null;
  return {
    seeds,
    comparison: pairedComparison(
      seeds.map((s) => a.get(s)!),
      seeds.map((s) => b.get(s)!),
    ),
  };
}

/** The finding of one comparison, in words decided by the numbers. */
export function verdict(c: PairedComparison): 'higher' | 'lower' | 'no detectable difference' {
  if (c.differences.length >= 2 && c.p < alpha) return c.meanDifference > 0 ? 'higher' : 'lower';
  return 'no detectable difference';
}

export async function writeReport(results: StudyResults, dir: string, cpuTiming?: StudyResults): Promise<string[]> {
  const {config, meta} = results;
  const summaries = summarise(results).filter((s) => s.runs.length > 0);
  const files: string[] = [];
  const lines: string[] = [];
  const add = (...l: string[]) => lines.push(...l);
  const n = Math.max(0, ...summaries.map((s) => s.runs.length));
  const fullData = config.train === 60000 && config.test === 10000;

  add('# Pooling study: learned semifield pooling vs max-pool on Fashion-MNIST', '');
  add(
    `Generated from the run \`${meta.command}\` (\`npm run study:pooling -- …\`, or its esbuild bundle on a GPU machine) by examples/pooling-study/report.ts, from \`results.json\` alone: every number below is computed from the runs in that file.`,
    '',
  );
  add('## Setup', '');
  add(
    `- Data: Fashion-MNIST IDX files, ${config.train.toLocaleString('en-US')} training / ${config.test.toLocaleString('en-US')} test images` +
      (fullData
        ? ' (the full sets).'
        : ` (seeded subsets, data seed ${config.dataSeed}: **not the full set** — compare with the full run before drawing conclusions).`),
  );
  add(
    `- Budget, the same for every variant: ${config.epochs} epoch(s), batch ${config.batchSize}, Adam ${config.learningRate} × ${config.learningRateDecay}^epoch, no augmentation; ` +
      `skeleton conv 3×3 (${config.skeleton.conv1}) → pool → conv 3×3 (${config.skeleton.conv2}) → pool → dense ${config.skeleton.dense} → dense 10 (examples/pooling-study/models.ts).`,
  );
  add(
    `- Seeds ${results.seeds.join(', ')} per variant: a seed fixes the initialisers and the batch order, so runs with the same seed are paired.`,
  );
  const devices = [...new Set(results.runs.map((r) => `${r.backend}${r.device ? ` (${r.device})` : ''}`))];
  add(`- Backend: ${devices.join(', ') || config.backend}; tfjs ${meta.tfjs}; ${meta.machine}.`);
  add(
    `- Run time: ${(meta.wallSeconds / 60).toFixed(1)} min wall for ${results.runs.length} runs, ${meta.jobs === 1 ? 'one at a time' : `${meta.jobs} at a time (one process each, sharing the machine)`}; started ${meta.started}.` +
      (meta.loadAverage != null
        ? ` Load average (1 min) ${meta.loadAverage.start.toFixed(1)} at the start, ${meta.loadAverage.end?.toFixed(1) ?? '–'} at the end.`
        : '') +
      (meta.complete ? '' : ' **The study did not complete**: the tables cover the runs that finished.'),
  );
  if (results.failures.length > 0)
    add(
      `- Failed runs: ${results.failures.map((f) => `${f.variant} seed ${f.seed} (${f.message.split('\n')[0]})`).join('; ')}.`,
    );
  add('');

  // --- Final accuracy.
  add(`## Test accuracy after epoch ${config.epochs}`, '');
  add(
    table(
      ['variant', 'network', 'params', 'runs', 'test accuracy % (mean ± std)', 'min – max', 'per seed', 's/epoch'],
      summaries.map((s) => [
        s.variant,
        studyVariantDescriptions[s.variant],
        String(s.runs[0].params),
        String(s.runs.length),
        `${pct(s.mean)} ± ${pct(s.std)}`,
        `${pct(Math.min(...s.accuracies))} – ${pct(Math.max(...s.accuracies))}`,
        s.runs.map((r) => `${r.seed}: ${pct(finalAccuracy(r))}`).join(', '),
        `${num(s.secondsPerEpoch, 1)}${Number.isFinite(s.secondsPerEpochStd) ? ` ± ${num(s.secondsPerEpochStd, 1)}` : ''}`,
      ]),
    ),
    '',
  );
  add(
    `std is the sample standard deviation over seeds. s/epoch: wall time of a training epoch (the test pass excluded), mean over runs of the epochs after the first, with ${meta.jobs} run(s) sharing the machine.`,
    '',
  );
  const base = summaries.find((s) => s.variant === baseline);
  if (base != null) {
    const allAbove = base.accuracies.every((a) => a >= baselineTarget);
    add(
      `**Baseline check:** max-pool reached ${pct(base.mean)} % on average (${base.accuracies.map((a) => pct(a)).join(', ')} % per seed): ` +
        `${base.mean >= baselineTarget ? 'at or above' : 'below'} the ${pct(baselineTarget, 0)} % target on average, ${allAbove ? 'and every seed is at or above it' : `${base.accuracies.filter((a) => a >= baselineTarget).length} of ${base.accuracies.length} seeds at or above it`}.`,
      '',
    );
  }

  // --- Paired comparison.
  const comparisons = summaries
    .filter((s) => s.variant !== baseline)
    .map((s) => ({variant: s.variant, paired: compareWithBaseline(results, s.variant)}))
    .filter(
      (c): c is {variant: StudyVariant; paired: NonNullable<ReturnType<typeof compareWithBaseline>>} =>
        c.paired != null,
    );
  if (base != null && comparisons.length > 0) {
    add('## Paired comparison with max-pool (same seeds)', '');
    add(
      table(
        [
          'variant',
          'difference per seed (pp)',
          'mean ± std (pp)',
          '95 % CI of the mean (pp)',
          't (df)',
          'p (paired t, two-sided)',
          'higher / equal / lower',
          'p (sign test)',
          'finding',
        ],
        comparisons.map(({variant, paired}) => {
          const c = paired.comparison;
          return [
            variant,
            paired.seeds.map((s, i) => `${s}: ${pp(c.differences[i])}`).join(', '),
            `${pp(c.meanDifference)} ± ${pct(c.stdDifference)}`,
            interval(c),
            `${num(c.t)} (${c.df})`,
            pValue(c.p),
            `${c.wins} / ${c.ties} / ${c.losses}`,
            pValue(c.signP),
            verdict(c),
          ];
        }),
      ),
      '',
    );
    const minSignP = signTestTwoSided(n, n);
    add(
      `Difference = variant − max-pool test accuracy of the same seed, in percentage points. "higher" / "lower": paired t test p < ${alpha}; otherwise "no detectable difference". ` +
        `With ${n} seeds the sign test cannot reach p < ${alpha} (its smallest two-sided p is ${pValue(minSignP)}, all seeds one way), and the t test has ${Math.max(0, n - 1)} degrees of freedom: ` +
        `only differences that are large against their seed-to-seed spread show up as significant.`,
      '',
    );

    add('### Does learned pooling beat max-pool here?', '');
    const pools = comparisons.filter((c) => learnedPools.includes(c.variant));
    for (const {variant, paired} of pools) {
      const c = paired.comparison;
      const v = verdict(c);
      const what = studyVariantDescriptions[variant];
      const numbers = `mean difference ${pp(c.meanDifference)} pp (± ${pct(c.stdDifference)}; 95 % interval ${interval(c)} pp), higher on ${c.wins} of ${c.differences.length} seeds, paired t p = ${pValue(c.p)}`;
      if (v === 'higher') add(`- **${variant}** (${what}): **yes** — higher than max-pool, ${numbers}.`);
      else if (v === 'lower') add(`- **${variant}** (${what}): **no** — lower than max-pool, ${numbers}.`);
      else
        add(
          `- **${variant}** (${what}): **not shown** — ${numbers}; the difference is not distinguishable from seed-to-seed variation at this number of seeds.`,
        );
    }
    const others = comparisons.filter((c) => !learnedPools.includes(c.variant));
    for (const {variant, paired} of others) {
      const c = paired.comparison;
      add(
        `- ${variant} (${studyVariantDescriptions[variant]}, not a pooling change): ${verdict(c)} vs max-pool, mean difference ${pp(c.meanDifference)} pp, paired t p = ${pValue(c.p)}.`,
      );
    }
    add('');
  }

  // --- Per epoch.
  add('## Test accuracy per epoch (mean ± std over seeds, %)', '');
  const epochs = Array.from({length: config.epochs}, (_, e) => e);
  add(
    table(
      ['variant', ...epochs.map((e) => `epoch ${e + 1}`)],
      summaries.map((s) => [
        s.variant,
        ...epochs.map((e) => {
          const values = s.runs.map((r) => r.testAccuracy[e]).filter((v) => v != null);
          return values.length === 0 ? '–' : `${pct(mean(values))} ± ${pct(std(values))}`;
        }),
      ]),
    ),
    '',
  );
  add(
    '## Seconds per training epoch',
    '',
    table(
      ['variant', ...epochs.map((e) => `epoch ${e + 1}`), `steady s/epoch vs ${baseline}`],
      summaries.map((s) => [
        s.variant,
        ...epochs.map((e) => num(mean(s.runs.map((r) => r.secondsPerEpoch[e]).filter((v) => v != null)), 1)),
        base != null ? `${num(s.secondsPerEpoch / base.secondsPerEpoch)}×` : '–',
      ]),
    ),
    '',
    'Mean over seeds. The first epoch includes one-off costs (shader compilation on webgpu, JIT warm-up).',
    '',
  );

  if (cpuTiming != null) {
    const cpuSummaries = summarise(cpuTiming).filter((s) => s.runs.length > 0);
    const cpuBase = cpuSummaries.find((s) => s.variant === baseline);
    add('## Cost on the cpu backend', '');
    add(
      `From a separate run (\`${cpuTiming.meta.command}\`; ${cpuTiming.config.train} training images, ${cpuTiming.meta.jobs === 1 ? 'one run at a time' : `${cpuTiming.meta.jobs} runs at a time`}, ${cpuTiming.meta.machine}): ` +
        `steady seconds per epoch of that slice, scaled to milliseconds per training image and to one epoch of ${config.train.toLocaleString('en-US')} images.`,
      '',
      table(
        ['variant', 'ms per training image', `s per epoch of ${config.train.toLocaleString('en-US')}`, 'vs max-pool'],
        cpuSummaries.map((s) => {
          const perImage = s.secondsPerEpoch / cpuTiming.config.train;
          return [
            s.variant,
            num(1000 * perImage),
            num(perImage * config.train, 0),
            cpuBase != null ? `${num(s.secondsPerEpoch / cpuBase.secondsPerEpoch)}×` : '–',
          ];
        }),
      ),
      '',
    );
  }

  // --- Plots.
  const order = summaries.map((s) => s.variant);
  const finalRows = results.runs.map((r) => ({variant: r.variant, seed: r.seed, accuracy: 100 * finalAccuracy(r)}));
  const meanRows = summaries.map((s) => ({
    variant: s.variant,
    mean: 100 * s.mean,
    low: 100 * (s.mean - (s.std || 0)),
    high: 100 * (s.mean + (s.std || 0)),
  }));
  const finalSpec: VegaLiteSpec = {
    title: `Fashion-MNIST test accuracy after epoch ${config.epochs} (points: seeds; bar: mean ± std)`,
    width: 420,
    height: 260,
    layer: [
      {
        data: {values: meanRows},
        mark: {type: 'rule', strokeWidth: 2},
        encoding: {
          x: {field: 'variant', type: 'nominal', sort: order},
          y: {field: 'low', type: 'quantitative', scale: {zero: false}, title: 'test accuracy %'},
          y2: {field: 'high'},
        },
      },
      {
        data: {values: meanRows},
        mark: {type: 'tick', thickness: 2, size: 24},
        encoding: {x: {field: 'variant', type: 'nominal', sort: order}, y: {field: 'mean', type: 'quantitative'}},
      },
      {
        data: {values: finalRows},
        mark: {type: 'point', filled: true, opacity: 0.7},
        encoding: {
          x: {field: 'variant', type: 'nominal', sort: order},
          y: {field: 'accuracy', type: 'quantitative'},
          color: {field: 'seed', type: 'nominal'},
        },
      },
    ],
  } as VegaLiteSpec;
  const epochRows = summaries
    .flatMap((s) =>
      epochs.map((e) => {
        const values = s.runs.map((r) => r.testAccuracy[e]).filter((v) => v != null);
        const m = mean(values);
        const d = std(values) || 0;
        return {variant: s.variant, epoch: e + 1, mean: 100 * m, low: 100 * (m - d), high: 100 * (m + d)};
      }),
    )
    .filter((r) => Number.isFinite(r.mean));
  const epochSpec: VegaLiteSpec = {
    title: 'Test accuracy per epoch (mean ± std over seeds)',
    width: 420,
    height: 260,
    data: {values: epochRows},
    encoding: {
      x: {field: 'epoch', type: 'quantitative', axis: {tickMinStep: 1}},
      color: {field: 'variant', type: 'nominal', sort: order},
    },
    layer: [
      {
        mark: {type: 'area', opacity: 0.15},
        encoding: {
          y: {field: 'low', type: 'quantitative', scale: {zero: false}, title: 'test accuracy %'},
          y2: {field: 'high'},
        },
      },
      {mark: {type: 'line', point: true}, encoding: {y: {field: 'mean', type: 'quantitative'}}},
    ],
  } as VegaLiteSpec;
  const timeRows = summaries.map((s) => ({variant: s.variant, seconds: s.secondsPerEpoch}));
  const timeSpec: VegaLiteSpec = {
    title: `Seconds per training epoch (${config.train} images, ${results.runs[0]?.backend ?? config.backend}, ${meta.jobs} run(s) at a time)`,
    width: 420,
    height: 220,
    data: {values: timeRows},
    mark: 'bar',
    encoding: {
      x: {field: 'variant', type: 'nominal', sort: order},
      y: {field: 'seconds', type: 'quantitative', title: 's / epoch'},
    },
  } as VegaLiteSpec;
  if (summaries.length > 0) {
    add('## Plots', '');
    for (const [spec, name, caption] of [
      [finalSpec, 'accuracy', 'final test accuracy per variant'],
      [epochSpec, 'accuracy_per_epoch', 'test accuracy per epoch'],
      [timeSpec, 'seconds_per_epoch', 'seconds per epoch'],
    ] as const) {
      const written = await savePlot(spec, dir, name);
      files.push(...written);
      add(`![${caption}](${written.find((f) => f.endsWith('.png')) ?? written[0]})`, '');
    }
  }
  writeFileSync(join(dir, 'REPORT.md'), `${lines.join('\n').trimEnd()}\n`);
  files.unshift('REPORT.md');
  return files;
}
