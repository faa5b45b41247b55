// Browser suite: every test/browser/**/*.spec.ts, bundled into ONE esbuild bundle (one tfjs copy,
// one page load, one WebGL context shared by all specs), run by mocha in Debian's headless Chromium.
// WebGL2 and WebGPU run on SwiftShader (a CPU renderer) there: correct, slow, no GPU needed.
//
// Never downloads a browser: CHROME_BIN (default /usr/bin/chromium) must exist, and a missing
// binary is a hard error, not a skipped suite. `.ci/run` installs it with apt-get.
import fs from 'node:fs';

const chromeBin = process.env.CHROME_BIN || '/usr/bin/chromium';
if (!fs.existsSync(chromeBin)) {
  throw new Error(
    `karma.conf.js: no Chromium at ${chromeBin}. The browser suite needs Debian's chromium ` +
      `(apt-get install chromium) or CHROME_BIN pointing at a Chromium/Chrome binary.`,
  );
}
process.env.CHROME_BIN = chromeBin;

// karma-esbuild writes its entry file to os.tmpdir() and imports each spec by the path relative to
// it; when the project itself lives under /tmp (a CI clone), that path has no leading '../' and
// esbuild reads it as a package name. A temp dir inside the project keeps every path '../…'.
const karmaTmp = new URL('./node_modules/.cache/karma-esbuild/', import.meta.url).pathname;
fs.mkdirSync(karmaTmp, {recursive: true});
process.env.TMPDIR = karmaTmp;

// Flags that (a) keep the browser off the network and quiet, (b) give WebGL2 and WebGPU on
// SwiftShader without a GPU. Shared with the webgl benchmark (examples/bench/webgl.ts).
// karma-chrome-launcher's own ChromeHeadless adds --disable-gpu, which would turn WebGL off, so the
// launcher below derives from plain 'Chrome' and the list sets --headless itself.
const chromiumFlags = JSON.parse(
  fs.readFileSync(new URL('./test/browser/chromium-flags.json', import.meta.url), 'utf8'),
);

// KARMA_SPECS narrows the run while developing (e.g. KARMA_SPECS='test/browser/webgl-fit.spec.ts');
// `npm run test:browser` runs everything.
const specs = process.env.KARMA_SPECS || 'test/browser/**/*.spec.ts';

export default function (config) {
  config.set({
    basePath: '',
    frameworks: ['mocha'],
    files: [{pattern: specs, watched: false}],
    preprocessors: {[specs]: ['esbuild']},
    esbuild: {
      target: 'es2022',
      format: 'iife',
      sourcemap: true,
      singleBundle: true,
      define: {'process.env.NODE_ENV': '"test"'},
    },
    plugins: ['karma-mocha', 'karma-esbuild', 'karma-chrome-launcher'],
    reporters: ['dots'],
    browsers: ['ChromiumSwiftShader'],
    customLaunchers: {
      ChromiumSwiftShader: {base: 'Chrome', flags: chromiumFlags},
    },
    client: {
      mocha: {timeout: 120000, reporter: 'html'},
      captureConsole: true,
    },
    // SwiftShader compiles each shader on the CPU: allow long silent stretches.
    browserNoActivityTimeout: 600000,
    browserDisconnectTimeout: 60000,
    browserDisconnectTolerance: 0,
    captureTimeout: 120000,
    failOnEmptyTestSuite: true,
    singleRun: true,
    autoWatch: false,
    concurrency: 1,
    logLevel: config.LOG_INFO,
  });
}
