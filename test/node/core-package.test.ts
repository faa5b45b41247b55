import {expect} from 'chai';
import {spawnSync} from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/*
 * The package as users get it: the built dist/ imported by its name (the exports map), and the
 * README's usage example, which must be the file examples/quickstart.ts verbatim and must run.
 * Both run in child processes so they load their own tfjs, as a user's program does.
 */
const root = path.resolve(import.meta.dirname, '../..');

function run(command: string, args: string[]) {
  const result = spawnSync(command, args, {cwd: root, encoding: 'utf8', timeout: 120000});
  return {code: result.status, out: `${result.stdout}`, err: `${result.stderr}`};
}

describe('package', () => {
  before(() => {
    if (!fs.existsSync(path.join(root, 'dist/index.js')))
      throw new Error('dist/index.js is missing: run `npm run build` first (npm test does)');
  });
  it("imports by name through exports['.'] with types, registers the cpu kernels and computes", () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
    expect(pkg.exports['.'].import.default).to.equal('./dist/index.js');
    expect(fs.existsSync(path.join(root, pkg.exports['.'].import.types))).to.equal(true);
    expect(fs.existsSync(path.join(root, pkg.exports['.'].require.default))).to.equal(true);
    const script = [
      "import * as tf from '@tensorflow/tfjs';",
      "import * as sf from 'tfjs-semifield';",
      "await tf.setBackend('cpu');",
      "const y = sf.semifieldConv2d(tf.tensor4d([1, 5, 2, 3], [1, 2, 2, 1]), tf.zeros([2, 2, 1, 1]), 'maxplus');",
      "console.log(JSON.stringify({fused: sf.hasFusedKernels('cpu'), y: Array.from(y.dataSync()), names: sf.listSemifields().map((s) => s.name)}));",
    ].join('\n');
    const {code, out, err} = run(process.execPath, ['--input-type=module', '-e', script]);
    expect(code, err).to.equal(0);
    const last = JSON.parse(out.trim().split('\n').pop()!);
    expect(last).to.deep.equal({fused: true, y: [5], names: ['maxplus', 'minplus', 'log', 'root', 'linear']});
  });
  it('the README usage example is examples/quickstart.ts verbatim, and it runs', () => {
    const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
    const quickstart = fs.readFileSync(path.join(root, 'examples/quickstart.ts'), 'utf8');
    expect(readme).to.contain('```ts\n' + quickstart + '```');
    const {code, out, err} = run(process.execPath, ['--import', 'tsx', 'examples/quickstart.ts']);
    expect(code, err).to.equal(0);
    expect(out).to.match(/\[ 1, 28, 28, 1 \] true true 784/);
  });
});
