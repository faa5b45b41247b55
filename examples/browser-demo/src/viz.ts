/* Heatmaps and image grids on canvases. */
export type ColorMap = 'diverging' | 'sequential' | 'gray';

function color(v: number, map: ColorMap): [number, number, number] {
  if (map === 'gray') {
    const g = Math.round(255 * Math.min(1, Math.max(0, v)));
    return [g, g, g];
  }
  if (map === 'sequential') {
    // dark purple → teal → yellow (viridis-like), v in [0, 1]
    const t = Math.min(1, Math.max(0, v));
    const a: number[] = t < 0.5 ? [68, 1, 84] : [33, 145, 140];
    const b: number[] = t < 0.5 ? [33, 145, 140] : [253, 231, 37];
    const u = t < 0.5 ? t * 2 : t * 2 - 1;
    return [0, 1, 2].map((i) => Math.round(a[i] + (b[i] - a[i]) * u)) as [number, number, number];
  }
  // diverging, v in [-1, 1]: blue ← white → red
  const t = Math.min(1, Math.max(-1, v));
  return t >= 0
    ? [255, Math.round(255 * (1 - t)), Math.round(255 * (1 - t))]
    : [Math.round(255 * (1 + t)), Math.round(255 * (1 + t)), 255];
}

/** Draw an h×w array of already-normalised values into a new canvas, each value a cell×cell square. */
export function heatmapCanvas(
  values: ArrayLike<number>,
  h: number,
  w: number,
  cell: number,
  map: ColorMap,
  title?: string,
): HTMLCanvasElement {
  const canvas = document.createElement('canvas');
  canvas.width = w * cell;
  canvas.height = h * cell;
  canvas.className = 'cell';
  if (title) canvas.title = title;
  const ctx = canvas.getContext('2d')!;
  const img = ctx.createImageData(w, h);
  for (let i = 0; i < h * w; i++) {
    const [r, g, b] = color(values[i], map);
    img.data.set([r, g, b, 255], i * 4);
  }
  const small = document.createElement('canvas');
  small.width = w;
  small.height = h;
  small.getContext('2d')!.putImageData(img, 0, 0);
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(small, 0, 0, w * cell, h * cell);
  return canvas;
}

/** Values of channel c of an [h, w, C] channels-last array. */
export function channel(data: ArrayLike<number>, h: number, w: number, channels: number, c: number): Float32Array {
  const out = new Float32Array(h * w);
  for (let i = 0; i < h * w; i++) out[i] = data[i * channels + c];
  return out;
}

export function minMax(v: ArrayLike<number>): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < v.length; i++) {
    if (Number.isFinite(v[i])) {
      lo = Math.min(lo, v[i]);
      hi = Math.max(hi, v[i]);
    }
  }
  return lo <= hi ? [lo, hi] : [0, 0];
}

/** Map to [0, 1] by min/max (constant arrays → 0). */
export function normalise(v: ArrayLike<number>, range = minMax(v)): Float32Array {
  const [lo, hi] = range;
  const span = hi - lo || 1;
  return Float32Array.from(v, (x) => (Number.isFinite(x) ? (x - lo) / span : 0));
}

/** Map to [−1, 1] around `centre` by the largest deviation. */
export function centred(v: ArrayLike<number>, centre: number, scale?: number): Float32Array {
  let m = scale ?? 0;
  if (scale == null)
    for (let i = 0; i < v.length; i++) if (Number.isFinite(v[i])) m = Math.max(m, Math.abs(v[i] - centre));
  m = m || 1;
  return Float32Array.from(v, (x) => (Number.isFinite(x) ? (x - centre) / m : 0));
}

export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string> = {},
  ...children: Array<Node | string>
): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  for (const c of children) e.append(c);
  return e;
}
