/*
 * npm run bench:webgl — the webgl rows of the benchmark, measured in headless Chromium (Debian's
 * /usr/bin/chromium or CHROME_BIN; never downloaded) with the same flags as the karma suite. Bundles
 * examples/bench/webgl_page.ts with esbuild, serves it on localhost, runs it with playwright-core and
 * prints a markdown table: median ms of --reps calls after warm-up (the rows of one shape timed
 * interleaved, one call each per round, so load changes hit them alike), peak texture bytes of one call,
 * and the speed ratio against each row's baseline (measured in the same page, same run).
 *
 *   npm run bench:webgl -- [--reps 5] [--warmup 2] [--groups issue,thesis] [--filter text] [--skip a,b]
 *                          [--composite all|fwd|none] [--out file.md]
 *
 * The composite rows (the unfold path in tfjs ops) are slow on SwiftShader — a log fwd+bwd row takes
 * minutes — so `--composite fwd` keeps only their forward rows (one per shape and semifield, enough
 * for the "fused vs composite" ratio) and `--composite none` drops them.
 *
 * On a machine without a GPU, Chromium renders WebGL on SwiftShader (a CPU renderer): compare the
 * ratios, not the milliseconds.
 */
import {Command} from 'commander';
import * as esbuild from 'esbuild';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import {chromium} from 'playwright-core';
import chromiumFlags from '../../test/browser/chromium-flags.json' with {type: 'json'};
import type {BenchOptions, BenchRow} from './webgl_page.js';

const program = new Command()
  .option('--reps <n>', 'timed calls per row (median reported)', (v) => parseInt(v, 10), 5)
  .option('--warmup <n>', 'untimed calls first (shader compilation)', (v) => parseInt(v, 10), 2)
  .option('--groups <list>', "comma-separated: 'issue' (core bench shapes), 'thesis'", 'issue')
  .option('--filter <text>', 'only rows whose shape or method contains this')
  .option('--skip <list>', 'comma-separated: drop rows whose method contains any of these')
  .option('--composite <mode>', "composite-path rows: 'all', 'fwd' (forward only) or 'none'", 'all')
  .option('--out <file>', 'also write the markdown table to this file')
  .parse();
const opts = program.opts<{
  reps: number;
  warmup: number;
  groups: string;
  filter?: string;
  skip?: string;
  composite: string;
  out?: string;
}>();
if (!['all', 'fwd', 'none'].includes(opts.composite))
  throw new Error(`--composite: expected all, fwd or none, got ${opts.composite}`);

async function main(): Promise<void> {
  const chromeBin = process.env.CHROME_BIN || '/usr/bin/chromium';
  if (!fs.existsSync(chromeBin))
    throw new Error(`bench:webgl: no Chromium at ${chromeBin} (apt-get install chromium, or set CHROME_BIN)`);
  const bundle = await esbuild.build({
    entryPoints: [new URL('./webgl_page.ts', import.meta.url).pathname],
    bundle: true,
    format: 'iife',
    target: 'es2022',
    write: false,
    define: {'process.env.NODE_ENV': '"production"'},
  });
  const js = bundle.outputFiles[0].text;
  const server = http.createServer((req, res) => {
    if (req.url === '/bench.js') {
      res.writeHead(200, {'content-type': 'text/javascript'});
      res.end(js);
    } else {
      res.writeHead(200, {'content-type': 'text/html'});
      res.end('<!doctype html><meta charset="utf-8"><title>bench:webgl</title><script src="/bench.js"></script>');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as {port: number}).port;
  const browser = await chromium.launch({
    executablePath: chromeBin,
    headless: true,
    args: (chromiumFlags as string[]).filter((f) => !f.startsWith('--headless')),
  });
  try {
    const page = await browser.newPage();
    page.on('console', (m) => process.stderr.write(`  [page] ${m.text()}\n`));
    page.on('pageerror', (e) => process.stderr.write(`  [page error] ${e.message}\n`));
    await page.goto(`http://127.0.0.1:${port}/`);
    const benchOptions: BenchOptions = {
      reps: opts.reps,
      warmup: opts.warmup,
      filter: opts.filter,
      skip: opts.skip ? opts.skip.split(',') : [],
      composite: opts.composite as BenchOptions['composite'],
      groups: opts.groups.split(','),
    };
    page.setDefaultTimeout(0);
    const result = await page.evaluate(
      (o) =>
        (
          globalThis as unknown as {
            semifieldBench: (
              o: BenchOptions,
            ) => Promise<{rows: BenchRow[]; renderer: string; flags: Record<string, unknown>}>;
          }
        ).semifieldBench(o),
      benchOptions,
    );
    const version = browser.version();
    const lines = [
      `Machine: ${os.cpus()[0]?.model ?? 'unknown CPU'} × ${os.cpus().length}, Chromium ${version} headless, renderer "${result.renderer}", ` +
        `${Object.entries(result.flags)
          .map(([k, v]) => `${k}=${v}`)
          .join(
            ', ',
          )}; median of ${opts.reps} calls per row (rows of a shape interleaved round-robin) after ${opts.warmup} warm-up calls, ${new Date().toISOString().slice(0, 10)}; ` +
        `flags: ${process.argv.slice(2).join(' ') || '(none)'}.`,
      '',
      '| shapes | method | pass | ms (median) | peak texture bytes | speed vs baseline |',
      '|---|---|---|---:|---:|---|',
    ];
    for (const r of result.rows) {
      if (r.error) {
        lines.push(`| ${r.shape} | ${r.method} | ${r.pass} | fails: ${r.error} | | |`);
        continue;
      }
      const base = r.baseline
        ? result.rows.find((b) => b.shape === r.shape && b.method === r.baseline && b.pass === r.pass && !b.error)
        : undefined;
      const ratio = base ? `${(base.ms / r.ms).toFixed(2)}× ${r.baseline}` : '';
      lines.push(
        `| ${r.shape} | ${r.method} | ${r.pass} | ${r.ms.toFixed(1)} | ${(r.peakTextureBytes / 1024).toFixed(0)} KiB | ${ratio} |`,
      );
    }
    // Backward cost relative to forward, per method (target: fwd+bwd ≤ 4× fwd, i.e. bwd ≤ 3× fwd).
    const bwd: string[] = [];
    for (const r of result.rows.filter((row) => row.pass === 'fwd+bwd')) {
      const fwd = result.rows.find((f) => f.shape === r.shape && f.method === r.method && f.pass === 'fwd');
      if (fwd && !fwd.error && !r.error)
        bwd.push(`| ${r.shape} | ${r.method} | ${((r.ms - fwd.ms) / fwd.ms).toFixed(2)}× |`);
    }
    if (bwd.length)
      lines.push('', '| shapes | method | backward (both gradients) ÷ forward |', '|---|---|---:|', ...bwd);
    const table = lines.join('\n');
    console.log(table);
    if (opts.out) fs.writeFileSync(opts.out, table + '\n');
  } finally {
    await browser.close();
    server.close();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
