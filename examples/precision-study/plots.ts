// Plots via vega-lite → vega (SVG) → @resvg/resvg-js (PNG). No hand-written SVG.
import {Resvg} from '@resvg/resvg-js';
import {writeFileSync} from 'node:fs';
import * as vega from 'vega';
import * as vl from 'vega-lite';
import type {ErrorCell} from './linear_errors.js';
import type {TimingRow} from './timing_rows.js';

/** Exact results (error 0) cannot sit on a log axis; they are drawn at this floor and labelled so. */
export const EXACT_FLOOR = 1e-17;

async function render(spec: vl.TopLevelSpec, basePath: string): Promise<void> {
  const vgSpec = vl.compile(spec).spec;
  const view = new vega.View(vega.parse(vgSpec), {renderer: 'none'});
  const svg = await view.toSVG();
  view.finalize();
  writeFileSync(`${basePath}.svg`, svg);
  const png = new Resvg(svg, {
    fitTo: {mode: 'zoom', value: 2},
    font: {loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans'},
  })
    .render()
    .asPng();
  writeFileSync(`${basePath}.png`, png);
}

export async function plotErrors(
  cells: ErrorCell[],
  formats: string[],
  title: string,
  basePath: string,
): Promise<void> {
  const data = cells
    .filter((c) => c.error != null)
    .map((c) => ({
      algorithm: c.algorithm,
      format: c.format,
      error: Number.isFinite(c.error!) ? Math.max(c.error!, EXACT_FLOOR) : 1e3,
      shown: c.error === 0 ? 'exact (0)' : Number.isFinite(c.error!) ? c.error!.toExponential(2) : 'inf/NaN',
    }));
  const spec: vl.TopLevelSpec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: {
      text: title,
      subtitle: `‖y − y_ref‖/‖y_ref‖ vs float64 direct; exact results drawn at ${EXACT_FLOOR}, non-finite at 1e3`,
    },
    width: 620,
    height: 340,
    background: 'white',
    data: {values: data},
    encoding: {
      x: {
        field: 'format',
        type: 'ordinal',
        sort: formats,
        title: 'numeric format',
        axis: {labelAngle: -30, labelLimit: 300},
      },
      y: {
        field: 'error',
        type: 'quantitative',
        scale: {type: 'log'},
        title: 'relative error (log)',
        axis: {format: '.0e'},
      },
      color: {field: 'algorithm', type: 'nominal', title: 'algorithm', legend: {labelLimit: 400}},
      tooltip: [{field: 'algorithm'}, {field: 'format'}, {field: 'shown'}],
    },
    layer: [{mark: {type: 'line', opacity: 0.6}}, {mark: {type: 'point', filled: true, size: 60}}],
  };
  await render(spec, basePath);
}

export async function plotTiming(rows: TimingRow[], basePath: string): Promise<void> {
  const data = rows.flatMap((r) =>
    Object.entries(r.ms)
      .filter(([, ms]) => ms != null)
      .map(([algorithm, ms]) => ({
        backend: r.backend,
        row: `${r.k}×${r.k}, ${r.size}²`,
        algorithm,
        ms,
        pick: algorithm === r.pick ? 'autotuner pick' : 'other',
      })),
  );
  const spec: vl.TopLevelSpec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: {
      text: 'ms per call (median, output read back), 8→8 channels, pad same',
      subtitle: 'webgl = headless Chromium on SwiftShader (CPU-emulated GPU)',
    },
    background: 'white',
    data: {values: data},
    facet: {row: {field: 'backend', type: 'nominal', title: 'backend'}},
    spec: {
      width: 620,
      height: 220,
      encoding: {
        x: {field: 'row', type: 'ordinal', title: 'kernel, image', sort: null},
        xOffset: {field: 'algorithm', type: 'nominal'},
        y: {field: 'ms', type: 'quantitative', scale: {type: 'log'}, title: 'ms (log)'},
        color: {field: 'algorithm', type: 'nominal'},
        shape: {
          field: 'pick',
          type: 'nominal',
          scale: {domain: ['autotuner pick', 'other'], range: ['diamond', 'circle']},
          title: '',
        },
      },
      mark: {type: 'point', filled: true, size: 70},
    },
    resolve: {scale: {y: 'independent'}},
  };
  await render(spec, basePath);
}
