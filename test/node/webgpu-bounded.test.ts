import {spawn} from 'node:child_process';
import {fileURLToPath} from 'node:url';
import {expect} from 'chai';
import {webgpuGuard} from './webgpu_helpers.js';

/*
 * Time and memory bounds of the webgpu path in Node (issues 13 and 14). Runs first among the
 * webgpu suites (file order). A child process runs forward and both gradients of random
 * configurations over every semifield (root p < 0 included: its backprop-filter shader once never
 * finished compiling, which blocks the JavaScript thread, so no in-process timeout could fire);
 * the parent kills it at the time bound and fails instead of hanging CI, and the later webgpu
 * suites then refuse to start (initWebGPUForTests). The child's peak resident memory must stay
 * under 4 GB and every result must match the float64 reference.
 */
const CHILD = fileURLToPath(new URL('./child/webgpu_random_configs.ts', import.meta.url));
const CONFIGS = 16;
const TIME_BOUND_MS = 300_000;
const MAX_RSS_MB = 4096;
const TOL = 1e-4;

interface ConfigResult {
  n: number;
  label: string;
  skipped?: string;
  ms?: number;
  yErr?: number;
  dxErr?: number;
  dwErr?: number;
  maxRssMB?: number;
  tensors?: number;
}

function runChild(
  count: number,
  seed: number,
): Promise<{results: ConfigResult[]; timedOut: boolean; code: number | null; stderr: string}> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, String(count), String(seed)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, TIME_BOUND_MS);
    child.on('close', (code) => {
      clearTimeout(timer);
      const results = out
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as ConfigResult);
      resolve({results, timedOut, code, stderr});
    });
  });
}

describe('webgpu (Node, Dawn): every call returns, within bounded memory', function () {
  this.timeout(TIME_BOUND_MS + 30_000);

  it(`${CONFIGS} random configurations (all semifields, root p < 0 too) forward + backward: within ${TIME_BOUND_MS / 1000} s, under ${MAX_RSS_MB} MB, equal to float64`, async () => {
    const {results, timedOut, code, stderr} = await runChild(CONFIGS, 1);
    if (timedOut || code !== 0) {
      const last =
        results.length < CONFIGS ? `configuration ${results.length} did not return` : 'the child did not exit';
      webgpuGuard.failed = `${last}${timedOut ? ` within ${TIME_BOUND_MS / 1000} s` : ` (exit ${code})`}`;
      expect.fail(
        `${webgpuGuard.failed}; stderr: ${stderr
          .split('\n')
          .filter((l) => !/vkCreateInstance|CheckVkSuccess/.test(l))
          .slice(-8)
          .join('\n')}`,
      );
    }
    expect(results.length).to.equal(CONFIGS);
    for (const r of results) {
      if (r.skipped) continue;
      expect(r.yErr!, `${r.label}: y`).to.be.at.most(TOL);
      expect(r.dxErr!, `${r.label}: dx`).to.be.at.most(TOL);
      expect(r.dwErr!, `${r.label}: dw`).to.be.at.most(TOL);
      expect(r.tensors, `${r.label}: leaked tensors`).to.equal(0);
    }
    const peak = Math.max(...results.map((r) => r.maxRssMB ?? 0));
    console.log(
      `      peak resident memory ${peak} MB over ${CONFIGS} configurations; slowest ${Math.max(...results.map((r) => r.ms ?? 0))} ms`,
    );
    expect(peak, 'peak resident memory (MB)').to.be.below(MAX_RSS_MB);
  });
});
