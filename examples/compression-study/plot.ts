// Plots via vega-lite → vega (SVG) → @resvg/resvg-js (PNG): a plotting library draws, nothing is hand-drawn.
import {writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {Resvg} from '@resvg/resvg-js';
import * as vega from 'vega';
import * as vegaLite from 'vega-lite';

export type VegaLiteSpec = vegaLite.TopLevelSpec;

/** Renders a vega-lite spec to `<dir>/<name>.svg` and `<dir>/<name>.png`; returns the PNG file name. */
export async function savePlot(spec: VegaLiteSpec, dir: string, name: string): Promise<string> {
  const compiled = vegaLite.compile({background: 'white', ...spec} as VegaLiteSpec).spec;
  const view = new vega.View(vega.parse(compiled), {renderer: 'none'});
  const svg = await view.toSVG();
  view.finalize();
  writeFileSync(join(dir, `${name}.svg`), svg);
  const png = new Resvg(svg, {
    fitTo: {mode: 'zoom', value: 2},
    font: {loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans'},
  })
    .render()
    .asPng();
  writeFileSync(join(dir, `${name}.png`), png);
  return `${name}.png`;
}

/** Markdown table from rows of already-formatted cells. */
export function markdownTable(header: string[], rows: (string | number)[][]): string {
  const line = (cells: (string | number)[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

export function fmt(value: number, digits = 3): string {
  if (value === 0) return '0';
  const abs = Math.abs(value);
  return abs >= 1e-3 && abs < 1e5 ? value.toPrecision(digits) : value.toExponential(digits - 1);
}
