// Second half of `npm run build` (after the ESM and CommonJS tsc outputs): mark dist/cjs as
// CommonJS, and bundle the script-tag build dist/tfjs-semifield.min.js (IIFE, global `tfSemifield`,
// reading @tensorflow/tfjs-core and @tensorflow/tfjs-layers from the global `tf` of tf.min.js).
import * as esbuild from 'esbuild';
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
fs.writeFileSync(path.join(root, 'dist/cjs/package.json'), JSON.stringify({type: 'commonjs'}, null, 2) + '\n');

/** Packages the script-tag bundle takes from `globalThis.tf` instead of bundling them. */
const fromGlobalTf = ['@tensorflow/tfjs-core', '@tensorflow/tfjs-layers', '@tensorflow/tfjs'];

/** esbuild plugin: `import … from '@tensorflow/tfjs-core'` (and layers) read the global `tf`. */
export const globalTfPlugin = {
  name: 'global-tf',
  setup(build) {
    const filter = new RegExp(`^(${fromGlobalTf.map((s) => s.replace(/[/.-]/g, '\\$&')).join('|')})$`);
    build.onResolve({filter}, (args) => ({path: args.path, namespace: 'global-tf'}));
    build.onLoad({filter: /.*/, namespace: 'global-tf'}, () => ({
      contents:
        "if (typeof globalThis.tf !== 'object' || globalThis.tf == null) throw new Error(" +
        "'tfjs-semifield.min.js needs the global tf: load @tensorflow/tfjs (tf.min.js) with a <script> tag before it');\n" +
        'module.exports = globalThis.tf;',
      loader: 'js',
    }));
  },
};

const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
await esbuild.build({
  entryPoints: [path.join(root, 'src/entries/bundle.ts')],
  outfile: path.join(root, pkg.unpkg),
  bundle: true,
  format: 'iife',
  globalName: 'tfSemifield',
  platform: 'browser',
  target: 'es2020',
  minify: true,
  sourcemap: true,
  legalComments: 'eof',
  banner: {
    js: `/* tfjs-semifield ${pkg.version} (MIT). Needs tf.min.js (@tensorflow/tfjs ${pkg.peerDependencies['@tensorflow/tfjs-core']}) loaded first. */`,
  },
  plugins: [globalTfPlugin],
  logLevel: 'warning',
});
