/*
 * tfjs-semifield browser demo: train a small semifield network on MNIST in the page, watch it learn,
 * look at what it learned, draw a digit, and time the kernels on every backend of this browser.
 *
 * URL parameters preset the controls (all optional):
 *   backend=webgl|webgpu|cpu  variant=<see models.ts>  train=<digits>  test=<held-out digits>
 *   epochs=<n>  batch=<n>  lr=<learning rate>  autostart=1
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgpu';
import '../../../index.js';
import {SemifieldConv2DLayer, SemifieldPooling2D} from '../../../src/layers/index.js';
import {benchBackend, benchCases} from './bench.js';
import {LineChart} from './charts.js';
import {type Digits, gather, HELD_OUT, loadDigits, seededRandom, shuffleInPlace, splits} from './data.js';
import {DrawPad} from './draw.js';
import {buildModel, isVariantName, type VariantName, variantNames, variants} from './models.js';
import {centred, channel, el, heatmapCanvas, minMax, normalise} from './viz.js';

const $ = <T extends HTMLElement = HTMLElement>(id: string): T => {
  const e = document.getElementById(id);
  if (e == null) throw new Error(`#${id} missing from index.html`);
  return e as T;
};

const ui = {
  backend: $<HTMLSelectElement>('backend'),
  variant: $<HTMLSelectElement>('variant'),
  trainSize: $<HTMLInputElement>('train-size'),
  testSize: $<HTMLInputElement>('test-size'),
  epochs: $<HTMLInputElement>('epochs'),
  batch: $<HTMLInputElement>('batch'),
  lr: $<HTMLInputElement>('lr'),
  train: $<HTMLButtonElement>('train'),
  stop: $<HTMLButtonElement>('stop'),
  resume: $<HTMLButtonElement>('resume'),
  progress: $<HTMLProgressElement>('progress'),
  progressText: $('progress-text'),
  status: $('status'),
  loss: $('loss'),
  trainAcc: $('train-acc'),
  testAcc: $('test-acc'),
  error: $('error'),
  kernels: $('kernels'),
  pooling: $('pooling'),
  activations: $('activations'),
  sample: $<HTMLInputElement>('sample'),
  useDrawing: $<HTMLInputElement>('use-drawing'),
  pad: $<HTMLCanvasElement>('pad'),
  clear: $<HTMLButtonElement>('clear'),
  seen: $<HTMLCanvasElement>('seen'),
  prediction: $('prediction'),
  probs: $('probs'),
  benchRun: $<HTMLButtonElement>('bench-run'),
  benchIters: $<HTMLInputElement>('bench-iters'),
  benchSize: $<HTMLSelectElement>('bench-size'),
  benchTable: $<HTMLTableElement>('bench-table'),
  benchStatus: $('bench-status'),
  backendInfo: $('backend-info'),
};

// ---------------------------------------------------------------------------------------------
// Errors: shown in the page and logged (the e2e test fails on any console error).

function showError(e: unknown): void {
  const message = e instanceof Error ? e.message : String(e);
  ui.error.textContent = `Error: ${message}`;
  ui.error.hidden = false;
  console.error(e);
}
window.addEventListener('unhandledrejection', (ev) => showError(ev.reason));

function setStatus(state: 'loading' | 'idle' | 'training' | 'stopped' | 'done' | 'error', text: string): void {
  ui.status.dataset.state = state;
  ui.status.textContent = text;
}

// ---------------------------------------------------------------------------------------------
// Backends

const backendNames = ['webgl', 'webgpu', 'cpu'] as const;
type BackendName = (typeof backendNames)[number];
const available = new Map<BackendName, boolean>();

async function detectBackends(): Promise<void> {
  const canvas = document.createElement('canvas');
  available.set('webgl', canvas.getContext('webgl2') != null || canvas.getContext('webgl') != null);
  let webgpu = false;
  const gpu = (navigator as Navigator & {gpu?: {requestAdapter(): Promise<unknown>}}).gpu;
  if (gpu != null) {
    try {
      webgpu = (await gpu.requestAdapter()) != null;
    } catch {
      webgpu = false;
    }
  }
  available.set('webgpu', webgpu);
  available.set('cpu', true);
  for (const option of Array.from(ui.backend.options)) {
    const ok = available.get(option.value as BackendName) ?? false;
    option.disabled = !ok;
    option.textContent = `${option.value}${ok ? '' : ' (unavailable here)'}`;
  }
  ui.backend.dataset.available = backendNames.filter((b) => available.get(b)).join(',');
}

async function useBackend(name: string): Promise<void> {
  if (tf.getBackend() === name) return;
  if (!available.get(name as BackendName)) throw new Error(`backend '${name}' is not available in this browser`);
  if (!(await tf.setBackend(name))) throw new Error(`backend '${name}' failed to initialise`);
  await tf.ready();
  ui.backendInfo.textContent = `running on ${tf.getBackend()}`;
}

// ---------------------------------------------------------------------------------------------
// Training

let digits: Digits | null = null;

interface Run {
  model: tf.LayersModel;
  variant: VariantName;
  xTrain: tf.Tensor4D;
  yTrain: tf.Tensor2D;
  xTest: tf.Tensor4D;
  testLabels: Uint8Array;
  epochs: number;
  batch: number;
  epoch: number;
  /** Next batch of the current epoch. */
  batchIndex: number;
  order: Int32Array;
  step: number;
  stopRequested: boolean;
  running: boolean;
  done: boolean;
}
let run: Run | null = null;
/** Backend the current model was created on. */
let trainingBackend: string | null = null;

const lossChart = new LineChart($<HTMLCanvasElement>('loss-chart'), {xLabel: 'batch', yMin: 0});
lossChart.series = [
  {name: 'loss per batch', color: '#9bb7d9', points: []},
  {name: 'smoothed', color: '#1f5fa8', points: []},
];
const accChart = new LineChart($<HTMLCanvasElement>('acc-chart'), {
  xLabel: 'batch',
  yMin: 0,
  yMax: 1,
  yFormat: (v) => `${Math.round(v * 100)}%`,
});
accChart.series = [
  {name: 'train (smoothed)', color: '#e08a2b', points: []},
  {name: 'held-out', color: '#1a8a4a', points: [], dots: true},
  {name: '', color: '#bbb', points: []},
];

function intInput(input: HTMLInputElement, lo: number, hi: number): number {
  const v = Math.round(Number(input.value));
  if (!Number.isFinite(v) || v < lo || v > hi)
    throw new Error(`${input.name || input.id}: expected an integer in [${lo}, ${hi}], but got '${input.value}'`);
  return v;
}

function setButtons(): void {
  const training = run?.running ?? false;
  ui.train.disabled = training;
  ui.stop.disabled = !training;
  ui.resume.disabled = training || run == null || run.done;
  ui.benchRun.disabled = training;
  ui.backend.disabled = training;
  ui.variant.disabled = training;
}

async function startNew(): Promise<void> {
  if (digits == null) throw new Error('digits are not loaded yet');
  const trainSize = intInput(ui.trainSize, 10, digits.count - HELD_OUT);
  const testSize = intInput(ui.testSize, 10, HELD_OUT);
  const epochs = intInput(ui.epochs, 1, 100);
  const batch = intInput(ui.batch, 1, 1024);
  const lr = Number(ui.lr.value);
  if (!(lr > 0 && lr < 1)) throw new Error(`learning rate: expected a number in (0, 1), but got '${ui.lr.value}'`);
  const variant = ui.variant.value;
  if (!isVariantName(variant)) throw new Error(`unknown variant '${variant}'`);
  await useBackend(ui.backend.value);
  trainingBackend = tf.getBackend();

  if (run != null) {
    tf.dispose([run.xTrain, run.yTrain, run.xTest]);
    run.model.dispose();
    run = null;
  }
  const {train, test} = splits(digits);
  const tr = gather(digits, train.subarray(0, trainSize));
  const te = gather(digits, test.subarray(0, testSize));
  run = {
    model: buildModel(variant, lr),
    variant,
    xTrain: tf.tensor4d(tr.x, [trainSize, 28, 28, 1]),
    yTrain: tf.tensor2d(tr.y, [trainSize, 10]),
    xTest: tf.tensor4d(te.x, [testSize, 28, 28, 1]),
    testLabels: te.labels,
    epochs,
    batch,
    epoch: 0,
    batchIndex: 0,
    order: Int32Array.from({length: trainSize}, (_, i) => i),
    step: 0,
    stopRequested: false,
    running: false,
    done: false,
  };
  lossChart.clear();
  accChart.clear();
  ui.testAcc.textContent = '–';
  delete ui.testAcc.dataset.value;
  ui.trainAcc.textContent = '–';
  ui.loss.textContent = '–';
  await continueTraining();
}

async function evaluate(r: Run): Promise<number> {
  const n = r.xTest.shape[0];
  let correct = 0;
  for (let s = 0; s < n; s += 200) {
    const e = Math.min(n, s + 200);
    const pred = tf.tidy(() =>
      (r.model.predict(r.xTest.slice([s, 0, 0, 0], [e - s, 28, 28, 1])) as tf.Tensor).argMax(-1),
    );
    const labels = await pred.data();
    pred.dispose();
    for (let k = 0; k < labels.length; k++) if (labels[k] === r.testLabels[s + k]) correct++;
  }
  return correct / n;
}

async function continueTraining(): Promise<void> {
  const r = run;
  if (r == null || r.running || r.done) return;
  // Resume on the backend the model was created on (the backend picker is locked meanwhile).
  await useBackend(trainingBackend ?? ui.backend.value);
  ui.backend.value = tf.getBackend();
  r.running = true;
  r.stopRequested = false;
  setButtons();
  const n = r.xTrain.shape[0];
  const batchesPerEpoch = Math.ceil(n / r.batch);
  const total = r.epochs * batchesPerEpoch;
  ui.progress.max = total;
  let smoothLoss = lossChart.series[1].points.at(-1)?.[1] ?? NaN;
  let smoothAcc = accChart.series[0].points.at(-1)?.[1] ?? NaN;
  try {
    while (r.epoch < r.epochs) {
      if (r.batchIndex === 0) shuffleInPlace(r.order, seededRandom(1000 + r.epoch));
      setStatus(
        'training',
        `training ${variants[r.variant].label} on ${tf.getBackend()}: epoch ${r.epoch + 1} / ${r.epochs}`,
      );
      while (r.batchIndex < batchesPerEpoch) {
        if (r.stopRequested) {
          setStatus(
            'stopped',
            `stopped at epoch ${r.epoch + 1}, batch ${r.batchIndex} / ${batchesPerEpoch}: press Resume to continue`,
          );
          return;
        }
        const s = r.batchIndex * r.batch;
        const idx = tf.tensor1d(r.order.subarray(s, Math.min(n, s + r.batch)), 'int32');
        const xb = tf.gather(r.xTrain, idx);
        const yb = tf.gather(r.yTrain, idx);
        const out = (await r.model.trainOnBatch(xb, yb)) as number[];
        tf.dispose([idx, xb, yb]);
        const [loss, acc] = out;
        r.batchIndex++;
        r.step++;
        smoothLoss = Number.isNaN(smoothLoss) ? loss : 0.9 * smoothLoss + 0.1 * loss;
        smoothAcc = Number.isNaN(smoothAcc) ? acc : 0.9 * smoothAcc + 0.1 * acc;
        lossChart.series[0].points.push([r.step, loss]);
        lossChart.series[1].points.push([r.step, smoothLoss]);
        accChart.series[0].points.push([r.step, smoothAcc]);
        accChart.series[2].points = [
          [0, 0.1],
          [r.step, 0.1],
        ];
        lossChart.draw();
        accChart.draw();
        ui.loss.textContent = Number.isFinite(loss) ? loss.toFixed(3) : String(loss);
        ui.trainAcc.textContent = `${(smoothAcc * 100).toFixed(1)} %`;
        ui.progress.value = r.step;
        ui.progressText.textContent = `${r.step} / ${total} batches`;
        await tf.nextFrame();
      }
      setStatus('training', `evaluating on ${r.xTest.shape[0]} held-out digits…`);
      const testAcc = await evaluate(r);
      accChart.series[1].points.push([r.step, testAcc]);
      accChart.draw();
      ui.testAcc.textContent = `${(testAcc * 100).toFixed(1)} %`;
      ui.testAcc.dataset.value = String(testAcc);
      r.epoch++;
      r.batchIndex = 0;
      await showLearned();
    }
    r.done = true;
    setStatus(
      'done',
      `done: ${r.epochs} epoch${r.epochs > 1 ? 's' : ''} of ${n} digits, held-out accuracy ${ui.testAcc.textContent}`,
    );
  } catch (e) {
    setStatus('error', 'training failed');
    showError(e);
  } finally {
    r.running = false;
    setButtons();
  }
}

// ---------------------------------------------------------------------------------------------
// What was learned: kernels, pooling scales, activations

function layerCaption(layer: tf.layers.Layer): string {
  if (layer instanceof SemifieldConv2DLayer) return `${layer.name}: semifield conv, ${layer.semifield.description}`;
  if (layer instanceof SemifieldPooling2D)
    return `${layer.name}: learned ${layer.semifield.name} pooling (${layer.kernelModule.type} kernel)`;
  return `${layer.name}: ${layer.getClassName()}`;
}

async function showKernels(model: tf.LayersModel): Promise<void> {
  ui.kernels.replaceChildren();
  for (const layer of model.layers) {
    const isSemifield = layer instanceof SemifieldConv2DLayer;
    if (!isSemifield && layer.getClassName() !== 'Conv2D') continue;
    const kernel = layer.getWeights()[0];
    const [kh, kw, cin, cout] = kernel.shape;
    const values = await kernel.data();
    // Linear kernels: white = 0. Semifield kernels: white = their mean (a log kernel, for instance,
    // sits around −μ·log(fan-in), so what it learned is the pattern around that level).
    let centre = 0;
    if (isSemifield) {
      for (let i = 0; i < values.length; i++) centre += values[i];
      centre /= values.length;
    }
    const norm = centred(values, centre);
    const grid = el('div', {class: 'kernel-grid', style: `grid-template-columns: auto repeat(${cout}, auto)`});
    grid.append(el('span', {class: 'axis'}, 'in \\ out'));
    for (let o = 0; o < cout; o++) grid.append(el('span', {class: 'axis'}, String(o)));
    for (let c = 0; c < cin; c++) {
      grid.append(el('span', {class: 'axis'}, String(c)));
      for (let o = 0; o < cout; o++) {
        const tap = new Float32Array(kh * kw);
        for (let i = 0; i < kh * kw; i++) tap[i] = norm[(i * cin + c) * cout + o];
        grid.append(heatmapCanvas(tap, kh, kw, cin === 1 ? 12 : 7, 'diverging', `in ${c} → out ${o}`));
      }
    }
    const [lo, hi] = minMax(values);
    ui.kernels.append(
      el(
        'figure',
        {},
        el(
          'figcaption',
          {},
          `${layerCaption(layer)} — kernel [${kernel.shape.join('×')}], range ${lo.toFixed(2)} … ${hi.toFixed(2)}, white = ${centre === 0 ? '0' : `${centre.toFixed(2)} (mean)`}`,
        ),
        grid,
      ),
    );
  }
}

async function showPooling(model: tf.LayersModel): Promise<void> {
  ui.pooling.replaceChildren();
  const pools = model.layers.filter((l): l is SemifieldPooling2D => l instanceof SemifieldPooling2D);
  if (pools.length === 0) {
    ui.pooling.append(
      el(
        'p',
        {class: 'note'},
        'This variant uses fixed 2×2 max pooling: nothing is learned there. Pick a variant with learned pooling to see scales.',
      ),
    );
    return;
  }
  for (const layer of pools) {
    const filter = layer.filter();
    const [kh, kw, , channels] = filter.shape;
    const values = await filter.data();
    filter.dispose();
    const logScale = layer.weights.find((w) => w.name.includes('log_scale'));
    // Isotropic kernels: one learned scale s = exp(log_scale) per channel.
    let scales: number[] | null = null;
    if (logScale != null) {
      const s = tf.tidy(() => logScale.read().exp());
      scales = Array.from(await s.data());
      s.dispose();
      if (scales.length !== channels) scales = null;
    }
    const row = el('div', {class: 'pool-row'});
    const range = minMax(values);
    for (let c = 0; c < channels; c++) {
      const cell = heatmapCanvas(normalise(channel(values, kh * kw, 1, channels, c), range), kh, kw, 14, 'sequential');
      row.append(
        el('div', {class: 'pool-cell'}, cell, el('span', {}, scales ? `s=${scales[c].toFixed(2)}` : `ch ${c}`)),
      );
    }
    ui.pooling.append(
      el(
        'figure',
        {},
        el(
          'figcaption',
          {},
          `${layerCaption(layer)} — ${kh}×${kw} structuring function per channel (yellow = 0 at the centre, dark = most negative ${range[0].toFixed(2)})${scales ? '; s = learned scale' : ''}`,
        ),
        row,
      ),
    );
  }
}

async function showActivations(model: tf.LayersModel): Promise<void> {
  let pixels: Float32Array | null = null;
  let label = '';
  if (ui.useDrawing.checked) {
    pixels = pad.toMnist();
    label = 'your drawing';
  }
  if (pixels == null && digits != null) {
    const k = Math.min(HELD_OUT - 1, Math.max(0, Math.round(Number(ui.sample.value)) || 0));
    const g = gather(digits, [splits(digits).test[k]]);
    pixels = g.x;
    label = `held-out digit #${k} (label ${g.labels[0]})`;
  }
  if (pixels == null) return;
  const probe = tf.model({inputs: model.inputs, outputs: model.layers.map((l) => l.output as tf.SymbolicTensor)});
  const input = tf.tensor4d(pixels, [1, 28, 28, 1]);
  const outputs = probe.predict(input) as tf.Tensor[];
  input.dispose();
  ui.activations.replaceChildren(
    el('figure', {}, el('figcaption', {}, `input: ${label}`), heatmapCanvas(pixels, 28, 28, 3, 'gray')),
  );
  for (let i = 0; i < outputs.length; i++) {
    const t = outputs[i];
    if (t.rank !== 4) continue;
    const [, h, w, c] = t.shape;
    const data = await t.data();
    const cell = Math.max(2, Math.round(56 / h));
    const row = el('div', {class: 'act-row'});
    for (let k = 0; k < c; k++)
      row.append(heatmapCanvas(normalise(channel(data, h, w, c, k)), h, w, cell, 'gray', `channel ${k}`));
    ui.activations.append(el('figure', {}, el('figcaption', {}, `${model.layers[i].name} → ${h}×${w}×${c}`), row));
  }
  const probs = await outputs[outputs.length - 1].data();
  ui.activations.append(el('figure', {}, el('figcaption', {}, 'class probabilities'), probBars(probs)));
  tf.dispose(outputs);
}

async function showLearned(): Promise<void> {
  if (run == null) return;
  await showKernels(run.model);
  await showPooling(run.model);
  await showActivations(run.model);
}

// ---------------------------------------------------------------------------------------------
// Draw a digit

function probBars(probs: ArrayLike<number>): HTMLElement {
  const list = el('div', {class: 'probs'});
  let best = 0;
  for (let k = 1; k < 10; k++) if (probs[k] > probs[best]) best = k;
  for (let k = 0; k < 10; k++) {
    const pct = (probs[k] * 100).toFixed(1);
    list.append(
      el(
        'div',
        {class: `prob${k === best ? ' best' : ''}`, 'data-class': String(k), 'data-p': String(probs[k])},
        el('span', {class: 'digit'}, String(k)),
        el('span', {class: 'bar'}, el('span', {style: `width:${Math.max(0.5, probs[k] * 100)}%`})),
        el('span', {class: 'pct'}, `${pct} %`),
      ),
    );
  }
  return list;
}

async function predictDrawing(): Promise<void> {
  const pixels = pad.toMnist();
  const seenCtx = ui.seen.getContext('2d')!;
  seenCtx.fillStyle = '#000';
  seenCtx.fillRect(0, 0, ui.seen.width, ui.seen.height);
  if (pixels == null) {
    ui.prediction.textContent = '–';
    ui.probs.replaceChildren();
    return;
  }
  seenCtx.imageSmoothingEnabled = false;
  seenCtx.drawImage(heatmapCanvas(pixels, 28, 28, 1, 'gray'), 0, 0, ui.seen.width, ui.seen.height);
  if (run == null) {
    ui.prediction.textContent = 'train a model first';
    return;
  }
  if (run.running) await tf.nextFrame();
  const probsT = tf.tidy(() => run!.model.predict(tf.tensor4d(pixels, [1, 28, 28, 1])) as tf.Tensor);
  const probs = await probsT.data();
  probsT.dispose();
  let best = 0;
  for (let k = 1; k < 10; k++) if (probs[k] > probs[best]) best = k;
  ui.prediction.textContent = String(best);
  ui.prediction.dataset.value = String(best);
  ui.prediction.dataset.p = String(probs[best]);
  ui.probs.replaceChildren(probBars(probs));
  if (ui.useDrawing.checked && !run.running) await showActivations(run.model);
}

const pad = new DrawPad(ui.pad, () => void predictDrawing().catch(showError));

// ---------------------------------------------------------------------------------------------
// Benchmark

async function runBenchmark(): Promise<void> {
  const iterations = intInput(ui.benchIters, 1, 1000);
  const [batch, size, channels] = ui.benchSize.value.split('x').map(Number);
  const previous = tf.getBackend();
  const backends = backendNames.filter((b) => available.get(b));
  const head = el('tr', {}, el('th', {}, `op — input ${batch}×${size}×${size}×${channels}, ms per call (median)`));
  for (const b of backends) head.append(el('th', {}, b));
  const body = benchCases.map((c) => el('tr', {}, el('td', {}, c.name)));
  ui.benchTable.replaceChildren(el('thead', {}, head), el('tbody', {}, ...body));
  ui.benchRun.disabled = true;
  try {
    for (const b of backends) {
      ui.benchStatus.textContent = `timing on ${b}…`;
      await useBackend(b);
      const res = await benchBackend({batch, size, channels}, iterations);
      res.forEach((r, i) => {
        const td = el(
          'td',
          {class: 'num', 'data-backend': b},
          Number.isNaN(r.ms) ? 'n/a' : r.ms.toFixed(r.ms < 10 ? 2 : 1),
        );
        if (r.error) td.title = r.error;
        else if (r.timing)
          td.title = `median of ${r.timing.reps}; min ${r.timing.minMs.toFixed(2)}, max ${r.timing.maxMs.toFixed(2)} ms`;
        body[i].append(td);
      });
    }
    ui.benchStatus.textContent = `done (median of ${iterations} timed calls after 2 warm-up calls; hover a time for min / max; n/a: op not available on that backend, hover for why)`;
    ui.benchTable.dataset.state = 'done';
  } finally {
    await useBackend(trainingBackend ?? previous);
    setButtons();
  }
}

// ---------------------------------------------------------------------------------------------
// Wiring

function applyUrlParams(): boolean {
  const q = new URLSearchParams(location.search);
  const set = (key: string, input: HTMLInputElement | HTMLSelectElement) => {
    const v = q.get(key);
    if (v != null) input.value = v;
  };
  set('backend', ui.backend);
  set('variant', ui.variant);
  set('train', ui.trainSize);
  set('test', ui.testSize);
  set('epochs', ui.epochs);
  set('batch', ui.batch);
  set('lr', ui.lr);
  return q.get('autostart') === '1';
}

function guard(f: () => Promise<void>): () => void {
  return () =>
    void f().catch((e) => {
      setStatus('error', 'failed');
      showError(e);
      setButtons();
    });
}

async function main(): Promise<void> {
  for (const v of variantNames) ui.variant.append(el('option', {value: v}, variants[v].label));
  ui.variant.value = 'semifield-pool';
  await detectBackends();
  const firstAvailable = backendNames.find((b) => available.get(b)) ?? 'cpu';
  ui.backend.value = firstAvailable;
  const autostart = applyUrlParams();
  ui.train.addEventListener('click', guard(startNew));
  ui.stop.addEventListener('click', () => {
    if (run) run.stopRequested = true;
  });
  ui.resume.addEventListener('click', guard(continueTraining));
  ui.clear.addEventListener('click', () => {
    pad.clear();
    void predictDrawing().catch(showError);
  });
  ui.sample.addEventListener(
    'change',
    guard(async () => {
      if (run && !run.running) await showActivations(run.model);
    }),
  );
  ui.useDrawing.addEventListener(
    'change',
    guard(async () => {
      if (run && !run.running) await showActivations(run.model);
    }),
  );
  ui.benchRun.addEventListener('click', guard(runBenchmark));
  setButtons();
  ui.train.disabled = true;
  setStatus('loading', 'loading 10,000 MNIST digits…');
  await useBackend(ui.backend.value);
  digits = await loadDigits();
  ui.train.disabled = false;
  setStatus(
    'idle',
    `ready: ${digits.count} digits loaded (${digits.count - HELD_OUT} for training, ${HELD_OUT} held out). Press Train.`,
  );
  if (autostart) await startNew();
}

guard(main)();
