/*
 * Issue 16 (d): the script-tag build from `npm pack`, in Debian's Chromium (Playwright, no
 * download): a page with two plain <script> tags, tf.min.js then tfjs-semifield.min.js, uses the
 * global `tfSemifield` and trains one step (model.fit with a SemifieldConv2D layer, and an
 * optimizer step on the op). Run alone with
 *     npm run build && npx mocha test/e2e/script-tag.e2e.test.ts
 */
import {expect} from 'chai';
import fs from 'node:fs';
import http, {type Server} from 'node:http';
import type {AddressInfo} from 'node:net';
import path from 'node:path';
import {chromium, type Browser} from 'playwright-core';
import {cleanUpTempDirs, makeApp, repoRoot} from '../pack_helpers.js';

const chromeBin = process.env.CHROME_BIN || '/usr/bin/chromium';
const flags = JSON.parse(fs.readFileSync(path.join(repoRoot, 'test/browser/chromium-flags.json'), 'utf8')) as string[];

const page = `<!doctype html>
<meta charset="utf-8">
<title>tfjs-semifield script tag</title>
<script src="node_modules/@tensorflow/tfjs/dist/tf.min.js"></script>
<script src="node_modules/tfjs-semifield/dist/tfjs-semifield.min.js"></script>
<script>
window.result = (async () => {
  await tf.ready();
  const backend = tf.getBackend();
  const model = tf.sequential({layers: [
    tfSemifield.layers.semifieldConv2d({inputShape: [6, 6, 1], filters: 2, kernelSize: 3, semifield: 'maxplus'}),
    tf.layers.flatten(),
    tf.layers.dense({units: 2, activation: 'softmax'}),
  ]});
  model.compile({optimizer: tf.train.sgd(0.1), loss: 'categoricalCrossentropy'});
  const xs = tf.randomUniform([4, 6, 6, 1]);
  const ys = tf.oneHot(tf.tensor1d([0, 1, 0, 1], 'int32'), 2);
  const before = model.layers[0].getWeights()[0].dataSync().slice();
  const h = await model.fit(xs, ys, {epochs: 1, batchSize: 4, verbose: 0});
  const after = model.layers[0].getWeights()[0].dataSync();
  const w = tf.variable(tf.zeros([2, 2, 1, 1]));
  const x = tf.tensor4d([1, 5, 2, 3], [1, 2, 2, 1]);
  tf.train.sgd(1).minimize(() => tf.sum(tfSemifield.semifieldConv2d(x, w, 'maxplus')));
  return {
    backend,
    fused: tfSemifield.hasFusedKernels(backend),
    layerClass: model.layers[0] instanceof tfSemifield.SemifieldConv2D,
    kernelName: tfSemifield.SEMIFIELD_CONV2D_KERNEL,
    loss: h.history.loss[0],
    changed: after.some((v, i) => v !== before[i]),
    stepped: Array.from(w.dataSync()),
  };
})().catch((e) => ({error: String(e && e.stack || e)}));
</script>`;

function serve(dir: string): Promise<Server> {
  const mime: Record<string, string> = {'.html': 'text/html', '.js': 'text/javascript', '.map': 'application/json'};
  const server = http.createServer((req, res) => {
    const rel = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname).replace(/^\/+/, '') || 'index.html';
    const file = path.resolve(dir, rel);
    if (!file.startsWith(dir) || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
      res.writeHead(404).end();
      return;
    }
    res
      .writeHead(200, {'Content-Type': mime[path.extname(file)] ?? 'application/octet-stream'})
      .end(fs.readFileSync(file));
  });
  return new Promise((ok) => server.listen(0, '127.0.0.1', () => ok(server)));
}

describe('script-tag bundle from npm pack in Chromium (issue 16 d)', function () {
  this.timeout(180_000);
  let browser: Browser | null = null;
  let server: Server | null = null;
  after(async () => {
    await browser?.close();
    await new Promise<void>((ok) => (server ? server.close(() => ok()) : ok()));
    cleanUpTempDirs();
  });

  it('tf.min.js + tfjs-semifield.min.js with plain <script> tags: global tfSemifield trains one step', async () => {
    if (!fs.existsSync(chromeBin))
      throw new Error(
        `No Chromium at ${chromeBin} (apt-get install chromium, or set CHROME_BIN); it never downloads a browser.`,
      );
    const app = fs.realpathSync(makeApp('script-tag', ['@tensorflow/tfjs']));
    const pkg = JSON.parse(fs.readFileSync(path.join(app, 'node_modules/tfjs-semifield/package.json'), 'utf8'));
    expect(pkg.unpkg).to.equal('dist/tfjs-semifield.min.js');
    expect(pkg.jsdelivr).to.equal(pkg.unpkg);
    fs.writeFileSync(path.join(app, 'index.html'), page);
    // The symlinked @tensorflow/tfjs points outside the folder: serve its real path under the same URL.
    const tfjsReal = fs.realpathSync(path.join(app, 'node_modules/@tensorflow/tfjs'));
    fs.rmSync(path.join(app, 'node_modules/@tensorflow/tfjs'));
    fs.mkdirSync(path.join(app, 'node_modules/@tensorflow/tfjs/dist'), {recursive: true});
    fs.copyFileSync(
      path.join(tfjsReal, 'dist/tf.min.js'),
      path.join(app, 'node_modules/@tensorflow/tfjs/dist/tf.min.js'),
    );
    server = await serve(app);
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await chromium.launch({executablePath: chromeBin, args: flags, headless: true});
    const context = await browser.newContext();
    const offsite: string[] = [];
    await context.route('**/*', (route) => {
      const url = route.request().url();
      if (url.startsWith(origin)) return route.continue();
      offsite.push(url);
      return route.abort();
    });
    const tab = await context.newPage();
    const errors: string[] = [];
    tab.on('pageerror', (e) => errors.push(e.message));
    await tab.goto(`${origin}/index.html`);
    const result = (await tab.evaluate(() => (window as unknown as {result: Promise<unknown>}).result)) as Record<
      string,
      unknown
    >;
    expect(errors, errors.join('\n')).to.deep.equal([]);
    expect(result.error, String(result.error)).to.equal(undefined);
    expect(result).to.include({fused: true, layerClass: true, kernelName: 'SemifieldConv2D', changed: true});
    expect(['webgl', 'cpu', 'webgpu']).to.include(result.backend);
    expect(Number.isFinite(result.loss)).to.equal(true);
    // One SGD step (rate 1) on the max-plus op: d/dw of the single output is 1 at the argmax tap (5).
    expect(result.stepped).to.deep.equal([0, -1, 0, 0]);
    expect(offsite).to.deep.equal([]);
  });
});
