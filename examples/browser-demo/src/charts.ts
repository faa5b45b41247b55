/* A small dependency-free line chart on a canvas (crisp on high-DPI screens). */
export interface Series {
  name: string;
  color: string;
  points: Array<[number, number]>;
  /** Draw dots as well as the line (for sparse series such as per-epoch evaluations). */
  dots?: boolean;
}

export class LineChart {
  private readonly ctx: CanvasRenderingContext2D;
  series: Series[] = [];

  constructor(
    private readonly canvas: HTMLCanvasElement,
    private readonly opts: {yMin?: number; yMax?: number; xLabel: string; yFormat?: (v: number) => string},
  ) {
    const ctx = canvas.getContext('2d');
    if (ctx == null) throw new Error('2-D canvas context unavailable');
    this.ctx = ctx;
    this.draw();
  }

  clear(): void {
    for (const s of this.series) s.points.length = 0;
    this.draw();
  }

  draw(): void {
    const {canvas, ctx, opts} = this;
    const dpr = window.devicePixelRatio || 1;
    const cssW = canvas.clientWidth || 400;
    const cssH = canvas.clientHeight || 180;
    if (canvas.width !== Math.round(cssW * dpr)) canvas.width = Math.round(cssW * dpr);
    if (canvas.height !== Math.round(cssH * dpr)) canvas.height = Math.round(cssH * dpr);
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, cssW, cssH);
    const pad = {l: 44, r: 10, t: 22, b: 24};
    const all = this.series.flatMap((s) => s.points);
    const empty = all.length === 0;
    const xMax = Math.max(1, ...all.map((p) => p[0]));
    // No data yet: the fixed range if the chart has one, else 0…1 (not 0…1e-6, whose ticks all read 0.00).
    let yMin = opts.yMin ?? (empty ? 0 : Math.min(0, ...all.map((p) => p[1])));
    let yMax = opts.yMax ?? (empty ? 1 : Math.max(1e-6, ...all.map((p) => p[1])));
    if (!(yMax > yMin)) [yMin, yMax] = [0, 1];
    const X = (x: number) => pad.l + (x / xMax) * (cssW - pad.l - pad.r);
    const Y = (y: number) => pad.t + (1 - (y - yMin) / (yMax - yMin)) * (cssH - pad.t - pad.b);
    const ticks = [0, 1, 2, 3, 4].map((k) => yMin + ((yMax - yMin) * k) / 4);
    let fmt = opts.yFormat ?? ((v: number) => v.toFixed(2));
    // A narrow range (tiny losses) would print the same label on every tick: use 3 significant digits.
    if (opts.yFormat == null && new Set(ticks.map(fmt)).size < ticks.length)
      fmt = (v: number) => Number(v.toPrecision(3)).toString();
    ctx.font = '11px system-ui, sans-serif';
    ctx.strokeStyle = '#d7dce3';
    ctx.fillStyle = '#555';
    ctx.lineWidth = 1;
    for (const v of ticks) {
      ctx.beginPath();
      ctx.moveTo(pad.l, Y(v));
      ctx.lineTo(cssW - pad.r, Y(v));
      ctx.stroke();
      ctx.textAlign = 'right';
      // Without data only the fixed-range labels mean something.
      if (!empty || (opts.yMin != null && opts.yMax != null)) ctx.fillText(fmt(v), pad.l - 4, Y(v) + 4);
    }
    if (empty) {
      ctx.textAlign = 'center';
      ctx.fillStyle = '#8a93a0';
      ctx.font = '13px system-ui, sans-serif';
      ctx.fillText('no data yet: press Train', (pad.l + cssW - pad.r) / 2, (pad.t + cssH - pad.b) / 2 + 4);
      ctx.font = '11px system-ui, sans-serif';
      ctx.fillStyle = '#555';
    } else {
      ctx.textAlign = 'right';
      ctx.fillText(`${opts.xLabel} ${xMax}`, cssW - pad.r, cssH - 6);
    }
    let legendX = pad.l;
    for (const s of this.series) {
      ctx.strokeStyle = s.color;
      ctx.fillStyle = s.color;
      ctx.lineWidth = 1.6;
      ctx.beginPath();
      s.points.forEach(([x, y], i) => (i === 0 ? ctx.moveTo(X(x), Y(y)) : ctx.lineTo(X(x), Y(y))));
      ctx.stroke();
      if (s.dots) for (const [x, y] of s.points) ctx.fillRect(X(x) - 2.5, Y(y) - 2.5, 5, 5);
      if (s.name === '') continue;
      ctx.textAlign = 'left';
      ctx.fillRect(legendX, 8, 10, 3);
      ctx.fillText(s.name, legendX + 14, 13);
      legendX += ctx.measureText(s.name).width + 30;
    }
  }
}
