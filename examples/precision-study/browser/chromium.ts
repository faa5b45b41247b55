// Runs the study's browser half: bundles page.ts with esbuild, loads it into headless Chromium
// (WebGL through SwiftShader, i.e. on the CPU — timings are SwiftShader's, not a real GPU's).
import * as esbuild from 'esbuild';
import {chromium, type Browser, type Page} from 'playwright-core';
import {fileURLToPath} from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--headless',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--enable-unsafe-swiftshader',
  '--use-angle=swiftshader',
];

export interface BrowserSession {
  /** A fresh page with the study bundle loaded and the webgl backend initialised (f16 textures or not). */
  open(f16: boolean): Promise<{page: Page; info: Record<string, unknown>}>;
  close(): Promise<void>;
}

export async function startBrowser(executablePath = '/usr/bin/chromium'): Promise<BrowserSession> {
  const bundle = await esbuild.build({
    entryPoints: [`${here}page.ts`],
    bundle: true,
    format: 'iife',
    platform: 'browser',
    write: false,
    logLevel: 'error',
  });
  const script = bundle.outputFiles[0].text;
  const browser: Browser = await chromium.launch({executablePath, args: CHROMIUM_ARGS});
  return {
    async open(f16: boolean) {
      const page = await browser.newPage();
      page.on('pageerror', (e) => console.error(`[page] ${e.message}`));
      await page.setContent('<!doctype html><html><body></body></html>');
      await page.addScriptTag({content: script});
      const info = (await page.evaluate(
        (flag) =>
          (globalThis as never as {conv6Study: {init(f: boolean): Promise<Record<string, unknown>>}}).conv6Study.init(
            flag,
          ),
        f16,
      )) as Record<string, unknown>;
      return {page, info};
    },
    close: () => browser.close(),
  };
}
