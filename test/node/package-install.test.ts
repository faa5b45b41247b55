import {expect} from 'chai';
import * as esbuild from 'esbuild';
import fs from 'node:fs';
import path from 'node:path';
import {REQUIRED_TFJS_CORE_VERSION, tfjsCoreProblem} from '../../src/tfjs_core_check.js';
import {cleanUpTempDirs, makeApp, repoRoot, runNode} from '../pack_helpers.js';

/*
 * Issue 16's acceptance, from `npm pack` into fresh folders (offline: the tfjs packages are
 * symlinked from this repo's node_modules, see test/pack_helpers.ts). The script-tag bundle in
 * Chromium is test/e2e/script-tag.e2e.test.ts.
 */
const coreAndCpu = ['@tensorflow/tfjs-core', '@tensorflow/tfjs-backend-cpu', 'ml-matrix'];
const umbrella = [
  '@tensorflow/tfjs',
  '@tensorflow/tfjs-core',
  '@tensorflow/tfjs-layers',
  '@tensorflow/tfjs-converter',
  '@tensorflow/tfjs-data',
  '@tensorflow/tfjs-backend-cpu',
  '@tensorflow/tfjs-backend-webgl',
  'ml-matrix',
];

/** The op forward and its gradient with respect to both inputs, printed as one JSON line. */
const opAndGradient = (tfName: string) => [
  `const x = ${tfName}.tensor4d([1, 5, 2, 3], [1, 2, 2, 1]);`,
  `const w = ${tfName}.zeros([2, 2, 1, 1]);`,
  "const y = sf.semifieldConv2d(x, w, 'maxplus');",
  "const [dx, dw] = tf.grads((a, b) => sf.semifieldConv2d(a, b, 'maxplus'))([x, w]);",
  'console.log(JSON.stringify({backend: tf.getBackend(), fused: sf.hasFusedKernels(tf.getBackend()), y: Array.from(y.dataSync()), dx: Array.from(dx.dataSync()), dw: Array.from(dw.dataSync())}));',
];
const expectedOp = {backend: 'cpu', fused: true, y: [5], dx: [0, 1, 0, 0], dw: [0, 1, 0, 0]};

/** Code blocks of README.md that import tfjs-semifield, in order. */
function readmeExamples(): string[] {
  const readme = fs.readFileSync(path.join(repoRoot, 'README.md'), 'utf8');
  return [...readme.matchAll(/```(?:ts|js)\n([\s\S]*?)```/g)]
    .map((m) => m[1])
    .filter((code) => code.includes("from 'tfjs-semifield"));
}

describe('package from npm pack, in fresh folders (issue 16)', function () {
  this.timeout(240_000);
  after(() => cleanUpTempDirs());

  it('(a) @tensorflow/tfjs-core + tfjs-backend-cpu only: the root import runs the op and its gradient (no tfjs-layers installed)', () => {
    const app = makeApp('core-cpu', coreAndCpu);
    expect(fs.existsSync(path.join(app, 'node_modules/@tensorflow/tfjs-layers'))).to.equal(false);
    const r = runNode(
      app,
      'main.mjs',
      [
        "import * as tf from '@tensorflow/tfjs-core';",
        "import '@tensorflow/tfjs-backend-cpu';",
        "import * as sf from 'tfjs-semifield';",
        "await tf.setBackend('cpu');",
        ...opAndGradient('tf'),
      ].join('\n'),
    );
    expect(r.code, r.err).to.equal(0);
    expect(r.last).to.deep.equal(expectedOp);
  });

  it('(a) the per-backend entry tfjs-semifield/cpu works the same, and /layers says it needs tfjs-layers', () => {
    const app = makeApp('core-cpu-entry', coreAndCpu);
    const r = runNode(
      app,
      'main.mjs',
      [
        "import * as tf from '@tensorflow/tfjs-core';",
        "import '@tensorflow/tfjs-backend-cpu';",
        "import * as sf from 'tfjs-semifield/cpu';",
        "await tf.setBackend('cpu');",
        ...opAndGradient('tf'),
      ].join('\n'),
    );
    expect(r.code, r.err).to.equal(0);
    expect(r.last).to.deep.equal(expectedOp);
    const layers = runNode(app, 'layers.mjs', "import 'tfjs-semifield/layers';\n");
    expect(layers.code).to.not.equal(0);
    expect(layers.err).to.contain("'@tensorflow/tfjs-layers'");
  });

  it('(b) @tensorflow/tfjs umbrella: every README example runs', () => {
    const examples = readmeExamples();
    expect(examples.length, 'README code blocks importing tfjs-semifield').to.be.greaterThanOrEqual(2);
    const app = makeApp('umbrella', umbrella);
    examples.forEach((code, i) => {
      const r = runNode(app, `readme-${i}.mjs`, code);
      expect(r.code, `README example ${i}:\n${code}\n${r.err}`).to.equal(0);
    });
  });

  it('(b) umbrella: layers from tfjs-semifield/layers train, save and load back', () => {
    const app = makeApp('umbrella-layers', umbrella);
    const r = runNode(
      app,
      'main.mjs',
      [
        "import * as tf from '@tensorflow/tfjs';",
        "import 'tfjs-semifield';",
        "import {SemifieldConv2D, layers} from 'tfjs-semifield/layers';",
        "await tf.setBackend('cpu');",
        'const model = tf.sequential({layers: [',
        "  layers.semifieldConv2d({inputShape: [6, 6, 1], filters: 2, kernelSize: 3, semifield: 'maxplus'}),",
        "  tf.layers.flatten(), tf.layers.dense({units: 2, activation: 'softmax'}),",
        ']});',
        "model.compile({optimizer: 'adam', loss: 'categoricalCrossentropy'});",
        "const h = await model.fit(tf.randomUniform([4, 6, 6, 1]), tf.oneHot(tf.tensor1d([0, 1, 0, 1], 'int32'), 2), {epochs: 1, verbose: 0});",
        'const saved = {};',
        "await model.save(tf.io.withSaveHandler(async (a) => { Object.assign(saved, a); return {modelArtifactsInfo: {dateSaved: new Date(), modelTopologyType: 'JSON'}}; }));",
        'const back = await tf.loadLayersModel(tf.io.fromMemory(saved));',
        'console.log(JSON.stringify({isClass: model.layers[0] instanceof SemifieldConv2D, loaded: back.layers[0].getClassName(), loss: Number.isFinite(h.history.loss[0])}));',
      ].join('\n'),
    );
    expect(r.code, r.err).to.equal(0);
    expect(r.last).to.deep.equal({isClass: true, loaded: 'SemifieldConv2D', loss: true});
  });

  it('a saved model with a SemifieldConv2D layer, loaded without importing tfjs-semifield/layers, names the missing import', () => {
    const app = makeApp('umbrella-hint', umbrella);
    const saved = runNode(
      app,
      'save.mjs',
      [
        "import * as tf from '@tensorflow/tfjs';",
        "import {layers} from 'tfjs-semifield/layers';",
        'const model = tf.sequential({layers: [layers.semifieldConv2d({inputShape: [5, 5, 1], filters: 1, kernelSize: 2})]});',
        'let artifacts;',
        "await model.save(tf.io.withSaveHandler(async (a) => { artifacts = a; return {modelArtifactsInfo: {dateSaved: new Date(), modelTopologyType: 'JSON'}}; }));",
        'console.log(JSON.stringify({topology: artifacts.modelTopology, weightSpecs: artifacts.weightSpecs, weights: Array.from(new Float32Array(artifacts.weightData))}));',
      ].join('\n'),
    );
    expect(saved.code, saved.err).to.equal(0);
    fs.writeFileSync(path.join(app, 'model.json'), JSON.stringify(saved.last));
    const load = (imports: string) =>
      runNode(
        app,
        'load.mjs',
        [
          "import * as tf from '@tensorflow/tfjs';",
          "import fs from 'node:fs';",
          imports,
          "const m = JSON.parse(fs.readFileSync('model.json', 'utf8'));",
          'const model = await tf.loadLayersModel(tf.io.fromMemory(m.topology, m.weightSpecs, new Float32Array(m.weights).buffer));',
          'console.log(JSON.stringify({loaded: model.layers[0].getClassName()}));',
        ].join('\n'),
      );
    const rootOnly = load("import 'tfjs-semifield';");
    expect(rootOnly.code).to.not.equal(0);
    expect(rootOnly.err).to.contain(
      "SemifieldConv2D of tfjs-semifield, which is registered by importing 'tfjs-semifield/layers'",
    );
    // Either order of the two imports loads the real class.
    for (const imports of [
      "import 'tfjs-semifield';\nimport 'tfjs-semifield/layers';",
      "import 'tfjs-semifield/layers';\nimport 'tfjs-semifield/webgl';",
    ]) {
      const r = load(imports);
      expect(r.code, r.err).to.equal(0);
      expect(r.last).to.deep.equal({loaded: 'SemifieldConv2D'});
    }
  });

  it('(c) a .cjs file with require runs the op, from the CommonJS build (require(esm) switched off)', () => {
    const app = makeApp('cjs', coreAndCpu);
    const source = [
      "const tf = require('@tensorflow/tfjs-core');",
      "require('@tensorflow/tfjs-backend-cpu');",
      "const sf = require('tfjs-semifield');",
      '(async () => {',
      "  await tf.setBackend('cpu');",
      ...opAndGradient('tf').map(
        (l) =>
          '  ' +
          l.replace(
            'console.log(JSON.stringify({',
            "console.log(JSON.stringify({resolved: require.resolve('tfjs-semifield').split('node_modules/tfjs-semifield/')[1], ",
          ),
      ),
      '})();',
    ].join('\n');
    // Node ≥ 20.19 can require ES modules; without that (Node 20.0–20.18), only a real CommonJS build works.
    const r = runNode(app, 'main.cjs', source, ['--no-experimental-require-module']);
    expect(r.code, r.err).to.equal(0);
    expect(r.last).to.deep.equal({resolved: 'dist/cjs/index.js', ...expectedOp});
  });

  it('(c) require of every subpath with the umbrella installed', () => {
    const app = makeApp('cjs-subpaths', umbrella);
    const r = runNode(
      app,
      'main.cjs',
      [
        "const tf = require('@tensorflow/tfjs');",
        "const names = ['tfjs-semifield', 'tfjs-semifield/cpu', 'tfjs-semifield/cpu-fast', 'tfjs-semifield/webgl', 'tfjs-semifield/webgpu', 'tfjs-semifield/layers', 'tfjs-semifield/primitives', 'tfjs-semifield/node', 'tfjs-semifield/node-webgpu'];",
        'const out = {};',
        'for (const n of names) out[n] = Object.keys(require(n)).length > 0;',
        "out.layerClass = typeof require('tfjs-semifield/layers').SemifieldConv2D === 'function' && require('tfjs-semifield/layers').SemifieldConv2D.className;",
        "out.kernelName = require('tfjs-semifield').SEMIFIELD_CONV2D_KERNEL;",
        "out.rootHasNoLayerName = !('SemifieldConv2D' in require('tfjs-semifield'));",
        "out.fastKernels = require('tfjs-semifield/cpu-fast').registerFastCpuKernels(['Conv2D']);",
        "out.fileSystemIO = typeof require('tfjs-semifield/node').fileSystemIO;",
        'console.log(JSON.stringify(out));',
      ].join('\n'),
      ['--no-experimental-require-module'],
    );
    expect(r.code, r.err).to.equal(0);
    expect(r.last).to.deep.equal({
      'tfjs-semifield': true,
      'tfjs-semifield/cpu': true,
      'tfjs-semifield/cpu-fast': true,
      'tfjs-semifield/webgl': true,
      'tfjs-semifield/webgpu': true,
      'tfjs-semifield/layers': true,
      'tfjs-semifield/primitives': true,
      'tfjs-semifield/node': true,
      'tfjs-semifield/node-webgpu': true,
      layerClass: 'SemifieldConv2D',
      kernelName: 'SemifieldConv2D',
      rootHasNoLayerName: true,
      fastKernels: ['Conv2D'],
      fileSystemIO: 'function',
    });
  });

  it('(e) an older @tensorflow/tfjs-core (4.20.0) refuses clearly at import, from ESM and from require', () => {
    const app = makeApp('old-core', ['@tensorflow/tfjs-backend-cpu', 'ml-matrix']);
    // A stand-in for tfjs-core 4.20.0 (no download): the real one reporting version 4.20.0.
    const fake = path.join(app, 'node_modules/@tensorflow/tfjs-core');
    fs.mkdirSync(fake, {recursive: true});
    fs.writeFileSync(
      path.join(fake, 'package.json'),
      JSON.stringify({name: '@tensorflow/tfjs-core', version: '4.20.0', main: 'index.js'}),
    );
    fs.writeFileSync(
      path.join(fake, 'index.js'),
      `module.exports = {...require(${JSON.stringify(path.join(repoRoot, 'node_modules/@tensorflow/tfjs-core'))}), version_core: '4.20.0'};\n`,
    );
    const message =
      /tfjs-semifield needs @tensorflow\/tfjs-core 4\.22\.0 .*is version 4\.20\.0\. Install matching versions/;
    const esm = runNode(
      app,
      'main.mjs',
      "import * as sf from 'tfjs-semifield';\nconsole.log(JSON.stringify({loaded: true}));\n",
    );
    expect(esm.code).to.not.equal(0);
    expect(esm.err).to.match(message);
    const cjs = runNode(
      app,
      'main.cjs',
      "require('tfjs-semifield/cpu');\nconsole.log(JSON.stringify({loaded: true}));\n",
    );
    expect(cjs.code).to.not.equal(0);
    expect(cjs.err).to.match(message);
  });

  it('(e) a second copy of tfjs-core (nested under tfjs-semifield) refuses clearly at import', () => {
    const app = makeApp('two-cores', [...coreAndCpu, 'seedrandom', 'node-fetch']);
    const nested = path.join(app, 'node_modules/tfjs-semifield/node_modules/@tensorflow/tfjs-core');
    fs.mkdirSync(path.join(nested, 'dist'), {recursive: true});
    const realCore = path.join(repoRoot, 'node_modules/@tensorflow/tfjs-core');
    fs.copyFileSync(path.join(realCore, 'dist/tf-core.node.js'), path.join(nested, 'dist/tf-core.node.js'));
    fs.writeFileSync(
      path.join(nested, 'package.json'),
      JSON.stringify({name: '@tensorflow/tfjs-core', version: '4.22.0', main: 'dist/tf-core.node.js'}),
    );
    const r = runNode(
      app,
      'main.mjs',
      [
        "import * as tf from '@tensorflow/tfjs-core';",
        "const sf = await import('tfjs-semifield');",
        'console.log(JSON.stringify({loaded: true}));',
      ].join('\n'),
    );
    expect(r.code).to.not.equal(0);
    expect(r.err).to.match(/tfjs-semifield found two copies of @tensorflow\/tfjs-core/);
    expect(r.err).to.contain('npm ls @tensorflow/tfjs-core');
  });

  it('the version guard: accepts 4.22.x and later 4.x with one copy, refuses older, other majors and two copies', () => {
    const T = class {};
    const ok = (version: string, globalTensor: unknown = T) => tfjsCoreProblem({version, ownTensor: T, globalTensor});
    expect(REQUIRED_TFJS_CORE_VERSION).to.equal('4.22.0');
    expect(ok('4.22.0')).to.equal(null);
    expect(ok('4.22.0', undefined)).to.equal(null);
    expect(ok('4.23.1')).to.equal(null);
    for (const v of ['4.20.0', '4.21.9', '3.21.0', '5.0.0', 'unknown']) expect(ok(v), v).to.contain(`is version ${v}`);
    expect(ok('4.22.0', class {})).to.contain('two copies');
  });

  it('a webgl-only esbuild bundle (tfjs-semifield/webgl + /layers) holds the WebGL kernels and none of the WebGPU ones', async () => {
    const app = makeApp('webgl-bundle', [...umbrella, '@tensorflow/tfjs-backend-webgpu']);
    const bundle = async (entry: string) => {
      fs.writeFileSync(path.join(app, 'entry.js'), entry);
      const result = await esbuild.build({
        entryPoints: [path.join(app, 'entry.js')],
        absWorkingDir: app,
        bundle: true,
        write: false,
        format: 'esm',
        platform: 'browser',
        minify: false,
        logLevel: 'silent',
      });
      return result.outputFiles[0].text;
    };
    const webglOnly = await bundle(
      [
        "import * as tf from '@tensorflow/tfjs-core';",
        "import '@tensorflow/tfjs-backend-webgl';",
        "import {semifieldConv2d} from 'tfjs-semifield/webgl';",
        "import {layers} from 'tfjs-semifield/layers';",
        "console.log(semifieldConv2d(tf.ones([1, 3, 3, 1]), tf.zeros([2, 2, 1, 1]), 'maxplus'), layers);",
      ].join('\n'),
    );
    // Names exported by kernels/webgpu (the KernelConfigs and their programs) and a WGSL-only token.
    const webgpuMarkers = [
      'semifieldConv2DWebGPUConfig',
      'semifieldConv2DBackpropInputWebGPUConfig',
      'semifieldConv2DBackpropFilterWebGPUConfig',
      'SEMIFIELD_WEBGPU_TUNE',
      'backendName: "webgpu"',
    ];
    for (const marker of webgpuMarkers) expect(webglOnly.includes(marker), marker).to.equal(false);
    expect(webglOnly).to.contain('semifieldConv2DWebGLConfig');
    expect(webglOnly).to.contain('backendName: "webgl"');
    // Control: the root entry (every backend) does carry them, so the markers are the right ones.
    const everything = await bundle("import 'tfjs-semifield';\n");
    expect(everything).to.contain('semifieldConv2DWebGPUConfig');
    expect(everything).to.contain('backendName: "webgpu"');
  });
});
