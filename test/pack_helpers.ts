/*
 * The package as a user installs it, offline: `npm pack` of this repo (the built dist/), unpacked
 * into node_modules/tfjs-semifield of a fresh temporary folder, next to symlinks to exactly the
 * packages the scenario installs, taken from this repo's node_modules (nothing is downloaded).
 * Node resolves the symlinks to their real paths, so each linked package finds its own
 * dependencies in this repo, while tfjs-semifield sees only what the scenario linked.
 */
import {execFileSync, spawnSync} from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const repoRoot = path.resolve(import.meta.dirname, '..');
const repoModules = path.join(repoRoot, 'node_modules');

let tarball: string | null = null;
const tempDirs: string[] = [];

/** `npm pack` of the repo (once per process); dist/ must be built. */
export function packedTarball(): string {
  if (tarball != null) return tarball;
  if (
    !fs.existsSync(path.join(repoRoot, 'dist/index.js')) ||
    !fs.existsSync(path.join(repoRoot, 'dist/cjs/index.js'))
  ) {
    throw new Error('dist/ is not built: run `npm run build` first (npm test does)');
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tfjs-semifield-pack-'));
  tempDirs.push(dir);
  const out = execFileSync('npm', ['pack', '--pack-destination', dir, '--json', '--ignore-scripts'], {
    cwd: repoRoot,
    encoding: 'utf8',
    env: {...process.env, npm_config_offline: 'true', npm_config_audit: 'false', npm_config_fund: 'false'},
  });
  const [{filename}] = JSON.parse(out) as Array<{filename: string}>;
  tarball = path.join(dir, filename);
  return tarball;
}

/**
 * A fresh folder with package.json, node_modules/tfjs-semifield unpacked from the tarball and a
 * symlink for each named package of this repo's node_modules (e.g. '@tensorflow/tfjs-core').
 */
export function makeApp(label: string, packages: string[]): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `tfjs-semifield-${label}-`));
  tempDirs.push(dir);
  fs.writeFileSync(
    path.join(dir, 'package.json'),
    JSON.stringify({name: `app-${label}`, private: true, type: 'module'}, null, 2),
  );
  const modules = path.join(dir, 'node_modules');
  fs.mkdirSync(modules);
  execFileSync('tar', ['-xzf', packedTarball(), '-C', dir]);
  fs.renameSync(path.join(dir, 'package'), path.join(modules, 'tfjs-semifield'));
  for (const name of packages) {
    const target = path.join(repoModules, name);
    if (!fs.existsSync(target)) throw new Error(`${name} is not in ${repoModules}: run npm ci`);
    fs.mkdirSync(path.dirname(path.join(modules, name)), {recursive: true});
    fs.symlinkSync(target, path.join(modules, name), 'dir');
  }
  return dir;
}

/** Writes `file` in `dir` and runs it with this Node; the last stdout line, parsed as JSON, is `last`. */
export function runNode(dir: string, file: string, source: string, nodeArgs: string[] = []) {
  fs.writeFileSync(path.join(dir, file), source);
  const r = spawnSync(process.execPath, [...nodeArgs, file], {cwd: dir, encoding: 'utf8', timeout: 120_000});
  const out = `${r.stdout}`;
  const lines = out
    .trim()
    .split('\n')
    .filter((l) => l.startsWith('{'));
  let last: unknown = null;
  if (lines.length > 0) last = JSON.parse(lines[lines.length - 1]);
  return {code: r.status, out, err: `${r.stderr}`, last};
}

/** Removes every folder made here (call from an after hook). */
export function cleanUpTempDirs(): void {
  for (const dir of tempDirs.splice(0)) fs.rmSync(dir, {recursive: true, force: true});
  tarball = null;
}
