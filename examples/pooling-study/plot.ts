/*
 * Plots as in the repo's other studies (examples/compression-study/plot.ts): vega-lite → vega →
 * SVG, then @resvg/resvg-js → PNG. A plotting library draws; nothing is hand-drawn.
 *
 * resvg is a native addon that esbuild cannot bundle, and the GPU machine runs this study as one
 * esbuild bundle with no node_modules. So it is imported through a specifier esbuild does not
 * follow: under tsx (and a bundle run inside the checkout) it loads as usual; where it cannot, the
 * SVG is still written and the PNG is left for `--report-only` on a machine with node_modules.
 */
import {writeFileSync} from 'node:fs';
import {join} from 'node:path';
import * as vega from 'vega';
import * as vegaLite from 'vega-lite';

export type VegaLiteSpec = vegaLite.TopLevelSpec;

type ResvgClass = new (svg: string, options: object) => {render(): {asPng(): Uint8Array}};
let resvg: ResvgClass | null | undefined;

async function loadResvg(): Promise<ResvgClass | null> {
  if (resvg !== undefined) return resvg;
  const specifier = '@resvg/resvg-js'; // in a variable: esbuild leaves the import to run time
  try {
    const module = (await import(specifier)) as {Resvg?: ResvgClass; default?: {Resvg?: ResvgClass}};
    resvg = module.Resvg ?? module.default?.Resvg ?? null;
  } catch {
    resvg = null;
  }
  return resvg;
}

/** Renders a vega-lite spec to `<dir>/<name>.svg` and, where resvg loads, `<dir>/<name>.png`; returns the files written. */
export async function savePlot(spec: VegaLiteSpec, dir: string, name: string): Promise<string[]> {
  const compiled = vegaLite.compile({background: 'white', ...spec} as VegaLiteSpec).spec;
  const view = new vega.View(vega.parse(compiled), {renderer: 'none'});
  const svg = await view.toSVG();
  view.finalize();
  writeFileSync(join(dir, `${name}.svg`), svg);
  const Resvg = await loadResvg();
  if (Resvg == null) return [`${name}.svg`];
  const png = new Resvg(svg, {
    fitTo: {mode: 'zoom', value: 2},
    font: {loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans'},
  })
    .render()
    .asPng();
  writeFileSync(join(dir, `${name}.png`), png);
  return [`${name}.svg`, `${name}.png`];
}
