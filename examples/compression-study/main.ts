// Compression study: rank vs reconstruction error, rank vs time of factorised products, and SVD
// compression of the MNIST MLP (784→512→128→10) with compressDense — accuracy, time, Pareto front.
// Run: npm run study:compression [-- --quick] (wrap in `flock /tmp/bench.lock` on a shared machine).
import {mkdirSync, writeFileSync} from 'node:fs';
import {dirname, join} from 'node:path';
import {fileURLToPath} from 'node:url';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import cliProgress from 'cli-progress';
import {Command} from 'commander';
import {type MatrixSvd} from '../../src/primitives/index.js';
import {gaussianValues, loadMnist, loadPhotograph} from './data.js';
import {buildMlp, compileMlp, testAccuracy, trainMlp} from './mlp.js';
import {
  buildCompressedModels,
  fineTune,
  paretoFront,
  parameterCount,
  ranksOf,
  timeModels,
  type CompressionPoint,
} from './mlp_study.js';
import {fmt, markdownTable, savePlot} from './plot.js';
import {
  reconstructionCurve,
  timeLayer,
  type LayerTiming,
  type NamedMatrix,
  type ReconstructionCurve,
} from './rank_study.js';

const here = dirname(fileURLToPath(import.meta.url));
const program = new Command()
  .name('study:compression')
  .option('--out <dir>', 'output folder (plots, REPORT.md, results.json)', join(here, 'results'))
  .option('--quick', 'fewer ranks, ratios and repetitions (smoke run, ~1 min)', false)
  .option('--epochs <n>', 'training epochs of the MLP', '5')
  .option('--backends <list>', 'backends to time, comma-separated', 'cpu,wasm')
  .option('--batch <n>', 'rows per timed product / predict call', '256')
  .option('--seed <n>', 'seed of the data split and the initialisation', '2024')
  .parse();
const opts = program.opts<{
  out: string;
  quick: boolean;
  epochs: string;
  backends: string;
  batch: string;
  seed: string;
}>();
const quick = opts.quick;
const seed = Number(opts.seed);
const batch = Number(opts.batch);
const backends = opts.backends
  .split(',')
  .map((b) => b.trim())
  .filter(Boolean);
const reps = quick ? 3 : 7;
mkdirSync(opts.out, {recursive: true});

function bar(label: string, total: number): cliProgress.SingleBar {
  const b = new cliProgress.SingleBar(
    {format: `${label.padEnd(34)} [{bar}] {value}/{total} {duration_formatted}`, clearOnComplete: false},
    cliProgress.Presets.shades_classic,
  );
  b.start(total, 0);
  return b;
}

const started = performance.now();
// Training runs on wasm (XNNPACK), several times faster than the pure-JS cpu backend.
await tf.setBackend('wasm');
const data = loadMnist(seed);
const epochs = quick ? 1 : Number(opts.epochs);
const dense = buildMlp(seed);
compileMlp(dense);
const trainBar = bar('train MLP 784-512-128-10 (wasm)', epochs);
await trainMlp(dense, data, epochs, () => trainBar.increment());
trainBar.stop();
const denseAccuracy = testAccuracy(dense, data);
console.log(`dense test accuracy ${(denseAccuracy * 100).toFixed(2)} %`);

// ---- 1. Rank vs reconstruction error --------------------------------------------------------------
const photo = loadPhotograph();
const digitsBatch = 256;
const kernel = (name: string) => dense.getLayer(name).getWeights()[0];
const matrices: NamedMatrix[] = [
  {name: `photograph ${photo.height}×${photo.width}`, rows: photo.height, cols: photo.width, values: photo.pixels},
  {
    name: `MNIST batch ${digitsBatch}×784`,
    rows: digitsBatch,
    cols: 784,
    values: data.testX.slice(0, digitsBatch * 784),
  },
  {name: 'Gaussian 256×256', rows: 256, cols: 256, values: gaussianValues(256 * 256, seed)},
  {name: 'MLP fc1 weights 784×512', rows: 784, cols: 512, values: kernel('fc1').dataSync() as Float32Array},
  {name: 'MLP fc2 weights 512×128', rows: 512, cols: 128, values: kernel('fc2').dataSync() as Float32Array},
];
const svdBar = bar('SVD + reconstruction (ml-matrix)', matrices.length);
const curves: ReconstructionCurve[] = [];
for (const m of matrices) {
  curves.push(reconstructionCurve(m));
  svdBar.increment();
}
svdBar.stop();
const decompositions: Record<string, MatrixSvd> = {fc1: curves[3].svd, fc2: curves[4].svd};

// ---- 2. Rank vs time of the factorised product, per layer shape and backend ------------------------
const layerShapes: {layer: string; inputDim: number; units: number; ranks: number[]}[] = [
  {
    layer: 'fc1',
    inputDim: 784,
    units: 512,
    ranks: quick ? [16, 64, 256, 384, 512] : [8, 16, 32, 64, 96, 128, 192, 256, 288, 320, 352, 384, 448, 512],
  },
  {layer: 'fc2', inputDim: 512, units: 128, ranks: quick ? [16, 64, 128] : [4, 8, 16, 32, 48, 64, 80, 96, 112, 128]},
  {layer: 'fc3', inputDim: 128, units: 10, ranks: quick ? [2, 10] : [1, 2, 4, 6, 8, 10]},
];
const timings: LayerTiming[] = [];
for (const backend of backends) {
  await tf.setBackend(backend);
  for (const shape of layerShapes) {
    const t = bar(`time ${shape.layer} ranks (${backend})`, reps * (shape.ranks.length + 1));
    timings.push(timeLayer(shape.layer, shape.inputDim, shape.units, shape.ranks, batch, reps, () => t.increment()));
    t.stop();
  }
}

// ---- 3. Compressing the MLP -------------------------------------------------------------------------
await tf.setBackend('wasm');
const ratios = quick ? [1, 4, 16, 64] : [1, 1.25, 1.5, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64];
const compressBar = bar('compressDense at each ratio', ratios.length);
const compressed: {ratio: number; model: tf.LayersModel}[] = [];
for (const ratio of ratios) {
  compressed.push(...(await buildCompressedModels(dense, [ratio], ['fc1', 'fc2'], decompositions)));
  compressBar.increment();
}
compressBar.stop();
const denseParameters = parameterCount(dense);
const points: CompressionPoint[] = [
  {
    label: 'dense',
    targetRatio: null,
    ranks: {},
    parameters: denseParameters,
    modelRatio: 1,
    accuracy: denseAccuracy,
    fineTunedAccuracy: null,
    timeMs: {},
  },
  ...compressed.map(({ratio, model}) => ({
    label: `ρ=${ratio}`,
    targetRatio: ratio,
    ranks: ranksOf(model),
    parameters: parameterCount(model),
    modelRatio: denseParameters / parameterCount(model),
    accuracy: testAccuracy(model, data),
    fineTunedAccuracy: null,
    timeMs: {},
  })),
];
const modelsByLabel = new Map<string, tf.LayersModel>([
  ['dense', dense],
  ...compressed.map(({ratio, model}) => [`ρ=${ratio}`, model] as [string, tf.LayersModel]),
]);
for (const backend of backends) {
  await tf.setBackend(backend);
  const t = bar(`time model.predict (${backend})`, reps * modelsByLabel.size);
  const medians = timeModels(modelsByLabel, batch, reps, () => t.increment());
  t.stop();
  for (const p of points) p.timeMs[backend] = medians.get(p.label)!;
}
await tf.setBackend('wasm');
const fineTuneRatios = quick ? [16] : [4, 8, 16, 32, 64];
const fineBar = bar('fine-tune 1 epoch (wasm)', fineTuneRatios.length);
for (const ratio of fineTuneRatios) {
  const entry = compressed.find((c) => c.ratio === ratio);
  const point = points.find((p) => p.targetRatio === ratio);
  if (entry && point) point.fineTunedAccuracy = await fineTune(entry.model, data, 1, 5e-4);
  fineBar.increment();
}
fineBar.stop();

// ---- Plots -------------------------------------------------------------------------------------------
const out = opts.out;
const errorRows = curves.flatMap((c) =>
  c.errors.map((error, i) => ({
    matrix: c.name,
    rank: i + 1,
    rankFraction: (i + 1) / c.errors.length,
    error: Math.max(error, 1e-8),
  })),
);
await savePlot(
  {
    title: 'Rank vs relative reconstruction error ‖W − W_r‖_F / ‖W‖_F',
    width: 520,
    height: 320,
    data: {values: errorRows},
    mark: {type: 'line', strokeWidth: 2},
    encoding: {
      x: {field: 'rankFraction', type: 'quantitative', title: 'rank r / min(rows, cols)'},
      y: {field: 'error', type: 'quantitative', scale: {type: 'log'}, title: 'relative Frobenius error (log)'},
      color: {field: 'matrix', type: 'nominal', title: null, legend: {orient: 'bottom', columns: 2, labelLimit: 320}},
    },
  },
  out,
  'rank_vs_error',
);
const timeRows = timings.flatMap((t) => [
  ...t.ranks.map((rank, i) => ({
    layer: `${t.layer} ${t.inputDim}×${t.units}`,
    backend: t.backend,
    rank,
    ms: t.factorisedMs[i],
    kind: '(x·A)·B factorised',
  })),
  ...[t.ranks[0], t.ranks[t.ranks.length - 1]].map((rank) => ({
    layer: `${t.layer} ${t.inputDim}×${t.units}`,
    backend: t.backend,
    rank,
    ms: t.denseMs,
    kind: 'x·W dense',
  })),
]);
await savePlot(
  {
    title: `Rank vs measured time, batch ${batch} (median of ${reps})`,
    data: {values: timeRows},
    facet: {
      row: {field: 'backend', type: 'nominal', title: 'backend'},
      column: {field: 'layer', type: 'nominal', title: null},
    },
    resolve: {scale: {x: 'independent', y: 'independent'}},
    spec: {
      width: 220,
      height: 170,
      mark: {type: 'line', point: true},
      encoding: {
        x: {field: 'rank', type: 'quantitative'},
        y: {field: 'ms', type: 'quantitative', title: 'ms'},
        color: {field: 'kind', type: 'nominal', title: null, legend: {orient: 'bottom'}},
        strokeDash: {field: 'kind', type: 'nominal', legend: null},
      },
    },
  },
  out,
  'rank_vs_time',
);
const accuracyRows = points.flatMap((p) => [
  {modelRatio: p.modelRatio, accuracy: p.accuracy * 100, series: 'after compression', label: p.label},
  ...(p.fineTunedAccuracy === null
    ? []
    : [
        {
          modelRatio: p.modelRatio,
          accuracy: p.fineTunedAccuracy * 100,
          series: '+ 1 epoch fine-tuning',
          label: p.label,
        },
      ]),
]);
await savePlot(
  {
    title: 'Compression ratio vs test accuracy (MNIST, 2,000 test digits)',
    width: 480,
    height: 300,
    data: {values: accuracyRows},
    mark: {type: 'line', point: true},
    encoding: {
      x: {
        field: 'modelRatio',
        type: 'quantitative',
        scale: {type: 'log'},
        title: 'model compression ratio (parameters dense / compressed, log)',
      },
      y: {field: 'accuracy', type: 'quantitative', scale: {zero: false}, title: 'test accuracy (%)'},
      color: {field: 'series', type: 'nominal', title: null, legend: {orient: 'bottom'}},
    },
  },
  out,
  'ratio_vs_accuracy',
);
const timeByRatio = points.flatMap((p) =>
  backends.map((backend) => ({modelRatio: p.modelRatio, ms: p.timeMs[backend], backend, label: p.label})),
);
await savePlot(
  {
    title: `Compression ratio vs inference time (model.predict, batch ${batch})`,
    data: {values: timeByRatio},
    facet: {column: {field: 'backend', type: 'nominal'}},
    resolve: {scale: {y: 'independent'}},
    spec: {
      width: 300,
      height: 240,
      mark: {type: 'line', point: true},
      encoding: {
        x: {field: 'modelRatio', type: 'quantitative', scale: {type: 'log'}, title: 'model compression ratio (log)'},
        y: {field: 'ms', type: 'quantitative', title: 'median ms'},
      },
    },
  },
  out,
  'ratio_vs_time',
);
const paretoRows = backends.flatMap((backend) => {
  const front = paretoFront(
    points,
    (p) => p.timeMs[backend],
    (p) => p.accuracy,
  );
  return points.map((p) => ({
    backend,
    ms: p.timeMs[backend],
    accuracy: p.accuracy * 100,
    label: p.label,
    pareto: front.has(p) ? 'Pareto front' : 'dominated',
  }));
});
await savePlot(
  {
    title: 'Inference time vs test accuracy (Pareto front marked)',
    data: {values: paretoRows},
    facet: {column: {field: 'backend', type: 'nominal'}},
    resolve: {scale: {x: 'independent'}},
    spec: {
      width: 320,
      height: 260,
      layer: [
        {
          transform: [{filter: "datum.pareto === 'Pareto front'"}],
          mark: {type: 'line', interpolate: 'step-after', color: '#d62728'},
          encoding: {x: {field: 'ms', type: 'quantitative'}, y: {field: 'accuracy', type: 'quantitative'}},
        },
        {
          mark: {type: 'point', filled: true, size: 60},
          encoding: {
            x: {field: 'ms', type: 'quantitative', title: 'median ms per predict'},
            y: {field: 'accuracy', type: 'quantitative', scale: {zero: false}, title: 'test accuracy (%)'},
            color: {
              field: 'pareto',
              type: 'nominal',
              title: null,
              scale: {domain: ['Pareto front', 'dominated'], range: ['#d62728', '#7f7f7f']},
              legend: {orient: 'bottom'},
            },
          },
        },
        {
          mark: {type: 'text', dx: 4, dy: -7, align: 'left', fontSize: 9},
          encoding: {
            x: {field: 'ms', type: 'quantitative'},
            y: {field: 'accuracy', type: 'quantitative'},
            text: {field: 'label'},
          },
        },
      ],
    },
  },
  out,
  'time_vs_accuracy_pareto',
);

function section1Commentary(): string {
  const pct = (c: ReconstructionCurve) => ((100 * c.rankFor10pc) / c.errors.length).toFixed(0);
  const [photoCurve, digitsCurve, gaussianCurve, fc1Curve] = curves;
  return [
    `The photograph needs ${pct(photoCurve)} % of its full rank for 10 % error and the MNIST batch ${pct(digitsCurve)} %: smooth`,
    `regions and strokes shared between digits make them strongly low-rank. The Gaussian matrix is the`,
    `reference worst case (${pct(gaussianCurve)} %): its singular values are spread evenly (Marchenko–Pastur), so the error falls`,
    `slowly and almost linearly in rank. The trained weights are no more compressible by this measure —`,
    `fc1 needs ${pct(fc1Curve)} % — because ${epochs} epoch(s) of training move them little from their random initialisation,`,
    `whose spectrum is just as flat. Section 3 shows the network tolerates far larger weight errors than`,
    `this suggests: what matters is the error on the inputs the layer actually sees, and those (the MNIST`,
    `batch) live close to a low-dimensional subspace.`,
  ].join('\n');
}

function section3Commentary(): string {
  const compressedPoints = points.filter((p) => p.label !== 'dense');
  const withinOnePoint = compressedPoints
    .filter((p) => p.accuracy >= denseAccuracy - 0.01)
    .sort((a, b) => b.modelRatio - a.modelRatio)[0];
  const worst = compressedPoints[compressedPoints.length - 1];
  const tuned = compressedPoints.filter((p) => p.fineTunedAccuracy !== null);
  const lines = [
    `Accuracy: within one point of the dense model up to a model ratio of ${withinOnePoint ? withinOnePoint.modelRatio.toFixed(1) + '× (' + withinOnePoint.label + ', ranks ' + withinOnePoint.ranks.fc1 + ' / ' + withinOnePoint.ranks.fc2 + ')' : '— (none)'};`,
    `beyond that it falls quickly, to ${(worst.accuracy * 100).toFixed(1)} % at ${worst.modelRatio.toFixed(0)}× (ranks ${worst.ranks.fc1} / ${worst.ranks.fc2}).`,
    tuned.length > 0
      ? `One epoch of fine-tuning (Adam, lr 5e-4): ${tuned.map((p) => `${p.label} ${(p.accuracy * 100).toFixed(1)} → ${(p.fineTunedAccuracy! * 100).toFixed(1)} %`).join(', ')}.${tuned.every((p) => p.fineTunedAccuracy! > p.accuracy) ? ' The factors are ordinary trainable weights, and a short fine-tune improved every ratio tried.' : ''} (The fine-tuned models have had one epoch more than the dense baseline, so a result above the dense accuracy partly reflects that extra epoch.)`
      : '',
    `Time: the compressed model is only faster once fc1's rank is below its measured break-even (section 2).`,
    ...backends.map((b) => {
      const rho1 = points.find((p) => p.targetRatio === 1);
      const fastest = [...compressedPoints].sort((x, y) => x.timeMs[b] - y.timeMs[b])[0];
      return `On \`${b}\`: dense ${fmt(points[0].timeMs[b])} ms${rho1 ? `, ρ = 1 (ranks at the multiply-add break-even) ${fmt(rho1.timeMs[b])} ms` : ''}, fastest ${fastest.label} ${fmt(fastest.timeMs[b])} ms (${(points[0].timeMs[b] / fastest.timeMs[b]).toFixed(1)}× faster).`;
    }),
    `Timings below ~10 ms (all of wasm's) are noisy on this shared machine — a single slow repetition moves a`,
    `median of ${reps} — so non-monotonic steps in the wasm column are noise, not an effect of the rank.`,
    `The speed-up stays below the parameter ratio because fc3, the biases, activations, softmax and per-op`,
    `overheads do not shrink.`,
    ...backends.map((b) => {
      const front = paretoFront(
        points,
        (p) => p.timeMs[b],
        (p) => p.accuracy,
      );
      const dominated = points.filter((p) => !front.has(p)).map((p) => p.label);
      return `Dominated on \`${b}\` (some other model is both faster and at least as accurate): ${dominated.length ? dominated.join(', ') : 'none'}.`;
    }),
  ];
  return lines.filter(Boolean).join('\n');
}

// ---- REPORT.md + results.json -------------------------------------------------------------------------
const seconds = (performance.now() - started) / 1000;
writeFileSync(
  join(out, 'results.json'),
  JSON.stringify(
    {
      quick,
      seed,
      batch,
      reps,
      backends,
      denseAccuracy,
      curves: curves.map(({svd: _svd, ...c}) => ({...c, errors: c.errors.filter((_, i) => i < 64 || i % 8 === 7)})),
      timings,
      points,
    },
    null,
    1,
  ),
);
const timing = (layer: string, backend: string) => timings.find((t) => t.layer === layer && t.backend === backend)!;
const breakEvenText = (t: LayerTiming) =>
  t.breakEven === null ? `none up to rank ${t.ranks[t.ranks.length - 1]}` : t.breakEven.toFixed(0);
const best = (backend: string) => {
  const front = [
    ...paretoFront(
      points,
      (p) => p.timeMs[backend],
      (p) => p.accuracy,
    ),
  ].sort((a, b) => a.timeMs[backend] - b.timeMs[backend]);
  return front;
};
const report = `# Compression study: SVD low-rank linear layers (issue 7)

Generated by \`npm run study:compression${quick ? ' -- --quick' : ''}\` in ${seconds.toFixed(0)} s on ${process.platform} (Node ${process.version}, 2 cores, no GPU), tfjs ${tf.version.tfjs}.
Timings are medians of ${reps} round-robin repetitions after 2 warm-ups, batch ${batch}; backends: ${backends.join(', ')}
(\`cpu\` is tfjs's pure-JS backend, \`wasm\` is XNNPACK compiled to WebAssembly). The machine is shared, so
absolute times are noisy; every comparison below was measured side by side in one run.

## 1. Rank vs reconstruction error

![rank vs error](rank_vs_error.png)

${markdownTable(
  [
    'matrix',
    'shape',
    'rank for 10 % error',
    'rank for 1 % error',
    'error at r = k/10',
    'measured = predicted? (max diff)',
  ],
  curves.map((c) => {
    const k = c.errors.length;
    const maxDiff = Math.max(...c.measured.map((m) => Math.abs(m.error - (c.errors[m.rank - 1] ?? 0))));
    return [
      c.name,
      `${c.rows}×${c.cols}`,
      `${c.rankFor10pc} (${((100 * c.rankFor10pc) / k).toFixed(0)} %)`,
      `${c.rankFor1pc} (${((100 * c.rankFor1pc) / k).toFixed(0)} %)`,
      fmt(c.errors[Math.max(0, Math.round(k / 10) - 1)]),
      fmt(maxDiff, 2),
    ];
  }),
)}

The error curves come from the singular values (Eckart–Young: ‖W − W_r‖_F² = Σ_{i>r} σ_i²); the last
column rebuilds W_r = A·B with \`lowRankFactors\` and \`tf.matMul\` at a few ranks and compares.
${section1Commentary()}

## 2. Rank vs measured time of the factorised product

![rank vs time](rank_vs_time.png)

${markdownTable(
  [
    'layer (in×units)',
    'backend',
    'dense ms',
    'break-even rank measured',
    'break-even rank by multiply-adds in·units/(in+units)',
  ],
  timings.map((t) => [
    `${t.layer} ${t.inputDim}×${t.units}`,
    t.backend,
    fmt(t.denseMs),
    breakEvenText(t),
    t.theoreticalBreakEven.toFixed(1),
  ]),
)}

(x·A)·B costs r·(in + units) multiply-adds per row against in·units for x·W, so it pays below
r = in·units/(in + units): 310 for fc1. The measured break-even differs from that count where the
backend's matMul is less efficient on skinny operands (small inner or outer dimension) than on square
ones; the table gives the rank below which a LowRankDense layer is actually faster on each backend.
The measured value is the first crossing of the two curves (linear interpolation); where the timings are
ms-scale and noisy (wasm) the curve can cross more than once, so read it as ± one rank step.
${backends
  .map((b) => {
    const t = timing('fc1', b);
    return `On \`${b}\`, fc1's factorised product breaks even at rank ${breakEvenText(t)} (dense ${fmt(t.denseMs)} ms; rank ${t.ranks[0]} takes ${fmt(t.factorisedMs[0])} ms).`;
  })
  .join('\n')}
A layer whose kernel were rebuilt as A·B before the product would cost the dense product plus the
rebuild at every call — never faster — which is why \`LowRankDense\` keeps the two skinny matMuls.

## 3. SVD compression of the MNIST MLP

Model 784→512→128→10, ReLU, softmax; trained ${epochs} epoch(s) with Adam (lr 1e-3, batch 64) on 8,000
digits of the \`mnist\` package, tested on the other 2,000 (seed ${seed}); dense test accuracy
**${(denseAccuracy * 100).toFixed(2)} %**. \`compressDense(model, {ratio: ρ, layers: ['fc1', 'fc2']})\` gives
each of the two big kernels rank ⌊in·units / (ρ·(in + units))⌋; fc3 (128×10, break-even rank 9) stays
dense. "model ratio" counts every parameter (biases and fc3 included).

${markdownTable(
  [
    'model',
    'ranks fc1 / fc2',
    'parameters',
    'model ratio',
    'test acc. %',
    'after 1-epoch fine-tune %',
    ...backends.map((b) => `${b} ms`),
  ],
  points.map((p) => [
    p.label,
    p.label === 'dense' ? '512 / 128 (dense)' : `${p.ranks.fc1} / ${p.ranks.fc2}`,
    p.parameters,
    p.modelRatio.toFixed(2),
    (p.accuracy * 100).toFixed(2),
    p.fineTunedAccuracy === null ? '' : (p.fineTunedAccuracy * 100).toFixed(2),
    ...backends.map((b) => fmt(p.timeMs[b])),
  ]),
)}

![ratio vs accuracy](ratio_vs_accuracy.png)

![ratio vs time](ratio_vs_time.png)

![time vs accuracy](time_vs_accuracy_pareto.png)

${backends
  .map((b) => {
    const front = best(b);
    return `Pareto front on \`${b}\` (fastest first): ${front.map((p) => `${p.label} (${fmt(p.timeMs[b])} ms, ${(p.accuracy * 100).toFixed(2)} %)`).join(', ')}.`;
  })
  .join('\n')}

${section3Commentary()}
`;
writeFileSync(join(out, 'REPORT.md'), report);
console.log(`wrote ${join(out, 'REPORT.md')} in ${seconds.toFixed(0)} s`);
for (const m of modelsByLabel.values()) m.dispose();
