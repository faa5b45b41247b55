/*
 * End-to-end test of the browser demo (examples/browser-demo) in a real browser: Debian's
 * Chromium driven by playwright-core (never a downloaded browser), WebGL2 on SwiftShader.
 *
 * Serves the *built* folder (examples/browser-demo/dist, from `npm run demo:build`) from a tiny
 * static server on 127.0.0.1 and blocks every other request, so it also checks that the page works
 * offline. Then: choose webgl, train one short epoch on a few hundred digits (chosen through the
 * page's own controls, with a Stop / Resume in the middle), assert the held-out accuracy is well
 * above chance, draw a digit on the canvas and assert a prediction with class probabilities
 * appears, run the benchmark panel on a tiny input, check the page fits a 390 px wide phone
 * screen (no horizontal scrolling, before and after training), and save a screenshot to
 * test-artifacts/browser-demo.png. Any console error or page error fails the test.
 *
 *     npm run test:e2e          # builds the demo, then runs this file
 *     CHROME_BIN=/path/to/chromium npx mocha test/e2e/demo.e2e.test.ts
 */
import {expect} from 'chai';
import {existsSync, mkdirSync, readFileSync} from 'node:fs';
import {createServer, type Server} from 'node:http';
import type {AddressInfo} from 'node:net';
import {extname, join, normalize, resolve} from 'node:path';
import {fileURLToPath} from 'node:url';
import {chromium, type Browser, type Page} from 'playwright-core';

const repo = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const distDir = join(repo, 'examples/browser-demo/dist');
const artifactsDir = join(repo, 'test-artifacts');
const chromeBin = process.env.CHROME_BIN || '/usr/bin/chromium';
const flags = JSON.parse(readFileSync(join(repo, 'test/browser/chromium-flags.json'), 'utf8')) as string[];

// The workload: small enough for SwiftShader on 2 shared cores, big enough to learn something.
const TRAIN_DIGITS = 600;
const TEST_DIGITS = 300;
const BATCH = 32;
const VARIANT = 'semifield-pool'; // linear conv + learned max-plus pooling: semifield op forward + backward on webgl
const MIN_ACCURACY = 0.4; // chance is 0.1

const mime: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.bin': 'application/octet-stream',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

function serveFolder(root: string): Promise<Server> {
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    const file = normalize(join(root, path === '/' ? 'index.html' : path));
    if (!file.startsWith(root) || !existsSync(file)) {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(200, {'Content-Type': mime[extname(file)] ?? 'application/octet-stream'}).end(readFileSync(file));
  });
  return new Promise((ok) => server.listen(0, '127.0.0.1', () => ok(server)));
}

describe('browser demo (Playwright, Debian chromium, webgl)', function () {
  this.timeout(200_000);
  // The steps build on each other (one page, one trained model): stop at the first failure rather
  // than piling time-outs on top of it.
  this.bail(true);
  let server: Server | null = null;
  let browser: Browser | null = null;
  let page: Page;
  let origin: string;
  const consoleErrors: string[] = [];
  const offsiteRequests: string[] = [];

  before(async function () {
    if (!existsSync(chromeBin)) {
      throw new Error(
        `No Chromium at ${chromeBin}: the e2e test needs Debian's chromium (apt-get install chromium) ` +
          'or CHROME_BIN pointing at a Chromium/Chrome binary. It never downloads a browser.',
      );
    }
    if (!existsSync(join(distDir, 'index.html')) || !existsSync(join(distDir, 'mnist-digits.bin'))) {
      throw new Error(
        `The demo is not built (${distDir} is missing files): run 'npm run demo:build' first, or 'npm run test:e2e'.`,
      );
    }
    server = await serveFolder(distDir);
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await chromium.launch({executablePath: chromeBin, args: flags, headless: true});
    const context = await browser.newContext({viewport: {width: 1440, height: 900}});
    // Offline: anything not served by the local folder is refused (and recorded).
    await context.route('**/*', (route) => {
      const url = route.request().url();
      if (url.startsWith(origin) || url.startsWith('data:') || url.startsWith('blob:')) return route.continue();
      offsiteRequests.push(url);
      return route.abort();
    });
    page = await context.newPage();
    page.on('console', (msg) => {
      if (msg.type() === 'error') consoleErrors.push(msg.text());
    });
    page.on('pageerror', (err) => consoleErrors.push(`pageerror: ${err.message}`));
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed' && (page as Page | undefined) != null) {
      mkdirSync(artifactsDir, {recursive: true});
      await page
        .screenshot({path: join(artifactsDir, 'browser-demo-failure.png'), fullPage: true})
        .catch(() => undefined);
    }
  });

  after(async function () {
    await browser?.close();
    await new Promise<void>((ok) => (server ? server.close(() => ok()) : ok()));
  });

  it('loads offline and offers webgl', async function () {
    await page.goto(`${origin}/`);
    await page.waitForSelector('#status[data-state="idle"], #status[data-state="error"]', {timeout: 60_000});
    const error = await page.locator('#error').textContent();
    expect(await page.locator('#status').getAttribute('data-state'), `page failed to start: ${error}`).to.equal('idle');
    const availableBackends = (await page.locator('#backend').getAttribute('data-available')) ?? '';
    if (!availableBackends.split(',').includes('webgl')) {
      throw new Error(
        `WebGL is unavailable in ${chromeBin} with flags ${flags.join(' ')} (page offers: '${availableBackends}')`,
      );
    }
  });

  it('trains one short epoch on webgl and gets well above chance on held-out digits', async function () {
    await page.selectOption('#backend', 'webgl');
    await page.selectOption('#variant', VARIANT);
    await page.fill('#train-size', String(TRAIN_DIGITS));
    await page.fill('#test-size', String(TEST_DIGITS));
    await page.fill('#epochs', '1');
    await page.fill('#batch', String(BATCH));
    await page.fill('#lr', '0.01');
    const t0 = Date.now();
    await page.click('#train');
    // Stop after a few batches, check the run pauses, then resume it to the end of the epoch.
    await page.waitForFunction(
      () => Number((document.querySelector('#progress') as HTMLProgressElement).value) >= 3,
      null,
      {timeout: 90_000},
    );
    await page.click('#stop');
    await page.waitForSelector(
      '#status[data-state="stopped"], #status[data-state="error"], #status[data-state="done"]',
      {timeout: 60_000},
    );
    expect(
      await page.locator('#status').getAttribute('data-state'),
      `Stop: ${await page.locator('#status').textContent()}`,
    ).to.equal('stopped');
    const pausedAt = Number(await page.locator('#progress').getAttribute('value'));
    expect(pausedAt).to.be.within(3, Math.ceil(TRAIN_DIGITS / BATCH) - 1);
    expect(await page.locator('#resume').isEnabled()).to.equal(true);
    await page.click('#resume');
    await page.waitForSelector(
      '#status[data-state="done"], #status[data-state="error"], #status[data-state="stopped"]',
      {timeout: 170_000},
    );
    const status = await page.locator('#status').textContent();
    const error = await page.locator('#error').textContent();
    expect(
      await page.locator('#status').getAttribute('data-state'),
      `training did not finish: ${status} ${error}`,
    ).to.equal('done');
    expect(await page.locator('#backend-info').textContent()).to.contain('webgl');
    const accuracy = Number(await page.locator('#test-acc').getAttribute('data-value'));
    console.log(
      `      held-out accuracy after one epoch of ${TRAIN_DIGITS} digits on webgl: ${(accuracy * 100).toFixed(1)} % (${((Date.now() - t0) / 1000).toFixed(1)} s)`,
    );
    expect(accuracy, 'held-out accuracy').to.be.greaterThan(MIN_ACCURACY);
    // What was learned is on the page: kernels, pooling scales, activations.
    expect(await page.locator('#kernels canvas').count()).to.be.greaterThan(8);
    expect(await page.locator('#pooling .pool-cell').count()).to.be.greaterThan(0);
    expect(await page.locator('#activations canvas').count()).to.be.greaterThan(8);
  });

  it('predicts a digit drawn on the canvas', async function () {
    const pad = page.locator('#pad');
    await pad.scrollIntoViewIfNeeded();
    const box = (await pad.boundingBox())!;
    // A "7": a top bar, then a diagonal stroke down to the left.
    const at = (fx: number, fy: number) => [box.x + fx * box.width, box.y + fy * box.height] as const;
    await page.mouse.move(...at(0.25, 0.22));
    await page.mouse.down();
    for (const [fx, fy] of [
      [0.5, 0.22],
      [0.75, 0.22],
      [0.65, 0.45],
      [0.55, 0.65],
      [0.45, 0.82],
    ]) {
      await page.mouse.move(...at(fx, fy), {steps: 6});
    }
    await page.mouse.up();
    await page.waitForFunction(() => document.querySelector('#prediction')?.getAttribute('data-value') != null, null, {
      timeout: 30_000,
    });
    const predicted = Number(await page.locator('#prediction').getAttribute('data-value'));
    expect(predicted).to.be.within(0, 9);
    const probs = await page
      .locator('#probs .prob')
      .evaluateAll((rows) => rows.map((r) => Number(r.getAttribute('data-p'))));
    expect(probs).to.have.length(10);
    expect(probs.reduce((a, b) => a + b, 0)).to.be.closeTo(1, 1e-3);
    console.log(`      drawn "7" predicted as ${predicted} (p = ${Math.max(...probs).toFixed(2)})`);
  });

  it('times semifield conv against tf.conv2d / tf.dilation2d in the benchmark panel', async function () {
    await page.selectOption('#bench-size', '1x28x8');
    await page.fill('#bench-iters', '2');
    await page.click('#bench-run');
    await page.waitForSelector('#bench-table[data-state="done"]', {timeout: 120_000});
    const webgl = await page.locator('#bench-table td[data-backend="webgl"]').allTextContents();
    expect(webgl.length, 'benchmark rows on webgl').to.be.greaterThan(4);
    // Every semifield row and tf.conv2d must have a time on webgl (tf.dilation2d may be n/a on some backends).
    expect(
      webgl
        .slice(0, 4)
        .map(Number)
        .every((ms) => ms > 0),
      `webgl timings: ${webgl.join(', ')}`,
    ).to.equal(true);
    expect(await page.locator('#backend-info').textContent(), 'backend restored after the benchmark').to.contain(
      'webgl',
    );
  });

  it('fits a 390 px wide phone screen: no horizontal overflow before and after training, readable empty charts, selects wide enough', async function () {
    const phone = {width: 390, height: 844};
    // What overflows, for the failure message: elements whose right edge passes the viewport.
    const layout = (p: Page) =>
      p.evaluate(() => {
        const width = document.documentElement.clientWidth;
        const overflowing = Array.from(document.querySelectorAll('body *'))
          .filter(
            (e) =>
              e.getBoundingClientRect().right > width + 0.5 &&
              e.closest('#kernels, #pooling, #activations, .table-scroll') == null,
          )
          .slice(0, 5)
          .map(
            (e) =>
              `${e.tagName.toLowerCase()}${e.id ? '#' + e.id : ''}${typeof e.className === 'string' && e.className ? '.' + e.className.split(' ').join('.') : ''}`,
          );
        // Each select must be wider than its longest option's text (plus room for the arrow).
        const ctx = document.createElement('canvas').getContext('2d')!;
        const clipped = Array.from(document.querySelectorAll('select')).flatMap((sel) => {
          ctx.font = getComputedStyle(sel).font;
          const text = Math.max(...Array.from(sel.options).map((o) => ctx.measureText(o.text).width));
          return sel.clientWidth >= text + 16
            ? []
            : [`#${sel.id}: ${sel.clientWidth} px for ${Math.ceil(text)} px of text`];
        });
        return {scrollWidth: document.documentElement.scrollWidth, overflowing, clipped};
      });

    // A fresh page at phone size, before any training (empty charts, placeholder panels).
    const fresh = await page.context().newPage();
    fresh.on('pageerror', (err) => consoleErrors.push(`pageerror (390 px page): ${err.message}`));
    try {
      await fresh.setViewportSize(phone);
      await fresh.goto(`${origin}/`);
      await fresh.waitForSelector('#status[data-state="idle"]', {timeout: 60_000});
      const before = await layout(fresh);
      expect(before.scrollWidth, `before training, overflowing: ${before.overflowing.join(', ')}`).to.be.at.most(
        phone.width,
      );
      expect(before.clipped, 'selects narrower than their text').to.deep.equal([]);
      // The empty loss chart carries no tick labels (they would all read 0.00): its canvas has
      // only the grid and a "no data yet" note, so the left margin where labels go is blank.
      const labelMarginInk = await fresh.evaluate(() => {
        const c = document.querySelector('#loss-chart') as HTMLCanvasElement;
        const d = c.getContext('2d')!.getImageData(0, 0, Math.floor(c.width * 0.1), c.height).data;
        let ink = 0;
        for (let i = 3; i < d.length; i += 4) if (d[i] > 0) ink++;
        return ink;
      });
      expect(labelMarginInk, "ink in the empty loss chart's tick-label margin").to.equal(0);
    } finally {
      await fresh.close();
    }

    // The trained page (learned panel, prediction and benchmark table filled) at phone size.
    await page.setViewportSize(phone);
    try {
      await page.evaluate(() => new Promise((ok) => requestAnimationFrame(() => requestAnimationFrame(ok))));
      expect(await page.locator('#kernels canvas').count(), 'the learned panel is filled').to.be.greaterThan(8);
      const after = await layout(page);
      expect(after.scrollWidth, `after training, overflowing: ${after.overflowing.join(', ')}`).to.be.at.most(
        phone.width,
      );
      expect(after.clipped, 'selects narrower than their text').to.deep.equal([]);
      mkdirSync(artifactsDir, {recursive: true});
      await page.evaluate(() => window.scrollTo(0, 0));
      await page.screenshot({path: join(artifactsDir, 'browser-demo-390px.png'), fullPage: true});
    } finally {
      await page.setViewportSize({width: 1440, height: 900});
    }
  });

  it('saves a screenshot, with no console errors and no off-site requests', async function () {
    mkdirSync(artifactsDir, {recursive: true});
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({path: join(artifactsDir, 'browser-demo.png'), fullPage: true});
    expect(consoleErrors, 'console errors').to.deep.equal([]);
    expect(offsiteRequests, 'requests that left the built folder').to.deep.equal([]);
  });
});
