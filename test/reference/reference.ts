/*
 * A naive float64 reference of docs/design.md §3, written independently of src/: plain loops over the
 * definition, each semifield's ⊕ evaluated from its textbook formula over the full list of a
 * window's terms (two passes, no online accumulation), so the kernels' streaming tricks are checked
 * rather than copied. Browser-safe (no Node imports): the karma suites use it too.
 */

export interface RefSemifield {
  name: 'maxplus' | 'minplus' | 'log' | 'root' | 'linear';
  mu?: number;
  p?: number;
}

export interface RefGeometry {
  strides: [number, number];
  dilations: [number, number];
  /** [top, bottom, left, right] */
  pad: [number, number, number, number];
  groups: number;
}

function normalise(sf: RefSemifield | string): RefSemifield {
  if (typeof sf === 'string') return {name: sf as RefSemifield['name'], mu: 1, p: 2};
  return {mu: 1, p: 2, ...sf};
}

/** ⊗ of the reference, with root's domain clamp (terms below 0 count as 0). */
export function refTerm(sf: RefSemifield | string, x: number, w: number): number {
  const s = normalise(sf);
  switch (s.name) {
    case 'maxplus':
    case 'minplus':
    case 'log':
      return x + w;
    case 'root':
      return Math.max(x * w, 0);
    case 'linear':
      return x * w;
  }
}

/** ⊕ over a whole list of terms (empty list → 𝟘). */
export function refReduce(sf: RefSemifield | string, terms: number[]): number {
  const s = normalise(sf);
  // An undefined term (∞ − ∞, 0 · ∞, a NaN operand) leaves the output undefined: NaN here, and a
  // kernel may return anything for it (NaN in may give NaN out). Every other limit is defined.
  if (terms.some(Number.isNaN)) return NaN;
  switch (s.name) {
    case 'maxplus':
      return terms.reduce((a, b) => Math.max(a, b), -Infinity);
    case 'minplus':
      return terms.reduce((a, b) => Math.min(a, b), Infinity);
    case 'linear':
      return terms.reduce((a, b) => a + b, 0);
    case 'log': {
      const mu = s.mu!;
      // μ·log Σ e^{t/μ} = M + μ·log Σ e^{(t−M)/μ} with M the dominant term (two passes).
      const zero = mu > 0 ? -Infinity : Infinity;
      const live = terms.filter((t) => t !== zero);
      if (live.length === 0) return zero;
      const M = mu > 0 ? Math.max(...live) : Math.min(...live);
      if (!Number.isFinite(M)) return M;
      let sum = 0;
      for (const t of live) sum += Math.exp((t - M) / mu);
      return M + mu * Math.log(sum);
    }
    case 'root': {
      const p = s.p!;
      if (p > 0) {
        const live = terms.filter((t) => t > 0);
        if (live.length === 0) return 0;
        const M = Math.max(...live);
        if (!Number.isFinite(M)) return M;
        let sum = 0;
        for (const t of live) sum += Math.pow(t / M, p);
        return M * Math.pow(sum, 1 / p);
      }
      const live = terms.filter((t) => t !== Infinity);
      if (live.length === 0) return Infinity;
      const M = Math.min(...live);
      if (M === 0) return 0;
      let sum = 0;
      for (const t of live) sum += Math.pow(t / M, p);
      return M * Math.pow(sum, 1 / p);
    }
  }
}

/** y = semifieldConv2d(x, w) by the definition, in float64. Shapes NHWC / [kh, kw, Cin/g, Cout]. */
export function referenceConv2d(
  x: ArrayLike<number>,
  xShape: number[],
  w: ArrayLike<number>,
  wShape: number[],
  sf: RefSemifield | string,
  geo: RefGeometry,
): {y: Float64Array; shape: [number, number, number, number]} {
  const [B, H, W, Cin] = xShape;
  const [kh, kw, cpg, Cout] = wShape;
  const [sh, sw] = geo.strides;
  const [dh, dw] = geo.dilations;
  const [pt, pb, pl, pr] = geo.pad;
  const G = geo.groups;
  const opg = Cout / G;
  const OH = Math.floor((H + pt + pb - ((kh - 1) * dh + 1)) / sh) + 1;
  const OW = Math.floor((W + pl + pr - ((kw - 1) * dw + 1)) / sw) + 1;
  const y = new Float64Array(B * OH * OW * Cout);
  for (let b = 0; b < B; b++)
    for (let i = 0; i < OH; i++)
      for (let j = 0; j < OW; j++)
        for (let o = 0; o < Cout; o++) {
          const g = Math.floor(o / opg);
          const terms: number[] = [];
          for (let di = 0; di < kh; di++)
            for (let dj = 0; dj < kw; dj++)
              for (let c = 0; c < cpg; c++) {
                const ih = i * sh + di * dh - pt;
                const iw = j * sw + dj * dw - pl;
                if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
                terms.push(
                  refTerm(sf, x[((b * H + ih) * W + iw) * Cin + g * cpg + c], w[((di * kw + dj) * cpg + c) * Cout + o]),
                );
              }
          y[((b * OH + i) * OW + j) * Cout + o] = refReduce(sf, terms);
        }
  return {y, shape: [B, OH, OW, Cout]};
}

/**
 * Central finite differences of L = Σ r·y (float64 reference) with respect to chosen coordinates of
 * x (which = 'x') or w (which = 'w').
 */
export function finiteDifferenceGrad(
  x: ArrayLike<number>,
  xShape: number[],
  w: ArrayLike<number>,
  wShape: number[],
  sf: RefSemifield | string,
  geo: RefGeometry,
  upstream: ArrayLike<number>,
  which: 'x' | 'w',
  coords: number[],
  eps = 1e-6,
): Float64Array {
  const xs = Float64Array.from(x);
  const ws = Float64Array.from(w);
  const target = which === 'x' ? xs : ws;
  const loss = () => {
    const {y} = referenceConv2d(xs, xShape, ws, wShape, sf, geo);
    let sum = 0;
    for (let n = 0; n < y.length; n++) if (upstream[n] !== 0) sum += upstream[n] * y[n];
    return sum;
  };
  const out = new Float64Array(coords.length);
  coords.forEach((k, idx) => {
    const keep = target[k];
    target[k] = keep + eps;
    const plus = loss();
    target[k] = keep - eps;
    const minus = loss();
    target[k] = keep;
    out[idx] = (plus - minus) / (2 * eps);
  });
  return out;
}

/** float32's representable range with margin: products and outputs outside it under- or overflow. */
const F32_LOW = 1e-37;
const F32_HIGH = 1e37;

/**
 * dL/dx and dL/dw of L = Σ r·y by docs/design.md §4, in float64: selection routes r to the first term
 * (scan order di, dj, c) equal to y; invertible semifields weight r by ∂y/∂t from the textbook
 * derivative of ⊕ (log e^{(t−y)/μ}, root (t/y)^{p−1}, linear 1; 0 where y is 𝟘 and, for root, where
 * y = 0 or the raw product x·w ≤ 0), times ∂t/∂x = w (⊗ = ·) or 1 (⊗ = +).
 */
export function referenceConv2dGrads(
  x: ArrayLike<number>,
  xShape: number[],
  w: ArrayLike<number>,
  wShape: number[],
  sf: RefSemifield | string,
  geo: RefGeometry,
  upstream: ArrayLike<number>,
  /**
   * The forward output the backward pass reads (docs/design.md §4 recomputes terms and reads y), e.g. a
   * backend's float32 y; default the float64 reference y. Outputs the reference finds undefined
   * (NaN) stay undefined whatever is passed.
   */
  yRead?: ArrayLike<number>,
): {
  dx: Float64Array;
  dw: Float64Array;
  dxMag: Float64Array;
  dwMag: Float64Array;
  dxLoose: Uint8Array;
  dwLoose: Uint8Array;
} {
  const s = normalise(sf);
  const {y} = referenceConv2d(x, xShape, w, wShape, s, geo);
  // (Selection semifields ignore it: they route to the term equal to the exact y.)
  const y64 = Float64Array.from(y);
  const inRange = (v: number) => v === 0 || !Number.isFinite(v) || (Math.abs(v) >= F32_LOW && Math.abs(v) <= F32_HIGH);
  if (yRead && s.name !== 'maxplus' && s.name !== 'minplus') {
    for (let k = 0; k < y.length; k++)
      if (Number.isFinite(y[k]) && inRange(y[k]) && Number.isFinite(yRead[k])) y[k] = yRead[k];
  }
  const [B, H, W, Cin] = xShape;
  const [kh, kw, cpg, Cout] = wShape;
  const [sh, sw] = geo.strides;
  const [dh, dwl] = geo.dilations;
  const [pt, , pl] = geo.pad;
  const opg = Cout / geo.groups;
  const OH = Math.floor((H + geo.pad[0] + geo.pad[1] - ((kh - 1) * dh + 1)) / sh) + 1;
  const OW = Math.floor((W + geo.pad[2] + geo.pad[3] - ((kw - 1) * dwl + 1)) / sw) + 1;
  const dx = new Float64Array(x.length);
  const dw = new Float64Array(w.length);
  // Σ |contribution| per entry: the scale a float32 sum of the same contributions is accurate to.
  const dxMag = new Float64Array(x.length);
  const dwMag = new Float64Array(w.length);
  // Operands of windows float32 cannot represent (y or a term beyond [1e-37, 1e37], as root's
  // products of values up to 1e35 are): a float32 backend's gradient there is only held to the
  // NaN rule, since its terms and y have under- or overflowed where the float64 ones have not.
  const dxLoose = new Uint8Array(x.length);
  const dwLoose = new Uint8Array(w.length);
  const multiplicative = s.name === 'root' || s.name === 'linear';
  const zero =
    s.name === 'maxplus' || (s.name === 'log' && s.mu! > 0)
      ? -Infinity
      : s.name === 'minplus' || (s.name === 'log' && s.mu! < 0) || (s.name === 'root' && s.p! < 0)
        ? Infinity
        : 0;
  const weight = (raw: number, yv: number): number => {
    switch (s.name) {
      case 'log':
        // raw === yv covers a term equal to an infinite y (e^{(∞−∞)/μ} would be NaN).
        return yv === zero ? 0 : raw === yv ? 1 : Math.exp((raw - yv) / s.mu!);
      case 'root':
        if (yv === zero || yv === 0 || raw <= 0) return 0;
        return raw === yv ? 1 : Math.pow(raw / yv, s.p! - 1);
      default:
        return 1;
    }
  };
  for (let b = 0; b < B; b++)
    for (let i = 0; i < OH; i++)
      for (let j = 0; j < OW; j++)
        for (let o = 0; o < Cout; o++) {
          const at = ((b * OH + i) * OW + j) * Cout + o;
          const r = upstream[at];
          const yv = y[at];
          const g = Math.floor(o / opg);
          let selected = false;
          let loose = !inRange(y64[at]);
          for (let di = 0; di < kh && !loose; di++)
            for (let dj = 0; dj < kw; dj++)
              for (let c = 0; c < cpg; c++) {
                const ih = i * sh + di * dh - pt;
                const iw = j * sw + dj * dwl - pl;
                if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
                const xi = ((b * H + ih) * W + iw) * Cin + g * cpg + c;
                const wi = ((di * kw + dj) * cpg + c) * Cout + o;
                if (!inRange(multiplicative ? x[xi] * w[wi] : x[xi] + w[wi])) loose = true;
              }
          if (loose) {
            for (let di = 0; di < kh; di++)
              for (let dj = 0; dj < kw; dj++)
                for (let c = 0; c < cpg; c++) {
                  const ih = i * sh + di * dh - pt;
                  const iw = j * sw + dj * dwl - pl;
                  if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
                  dxLoose[((b * H + ih) * W + iw) * Cin + g * cpg + c] = 1;
                  dwLoose[((di * kw + dj) * cpg + c) * Cout + o] = 1;
                }
          }
          // Undefined gradients: y itself undefined (NaN), or y = ±∞ (not 𝟘) reached by more than one
          // infinite term of an invertible semifield (how the gradient splits between them has no
          // limit). Every operand of such a window gets NaN: a kernel may return anything there.
          let undefinedWindow = Number.isNaN(yv);
          if (!undefinedWindow && !Number.isFinite(yv) && yv !== zero && s.name !== 'maxplus' && s.name !== 'minplus') {
            let ties = 0;
            for (let di = 0; di < kh; di++)
              for (let dj = 0; dj < kw; dj++)
                for (let c = 0; c < cpg; c++) {
                  const ih = i * sh + di * dh - pt;
                  const iw = j * sw + dj * dwl - pl;
                  if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
                  const xi = ((b * H + ih) * W + iw) * Cin + g * cpg + c;
                  const wi = ((di * kw + dj) * cpg + c) * Cout + o;
                  if (refTerm(s, x[xi], w[wi]) === yv) ties++;
                }
            undefinedWindow = ties > 1;
          }
          if (undefinedWindow && r !== 0) {
            for (let di = 0; di < kh; di++)
              for (let dj = 0; dj < kw; dj++)
                for (let c = 0; c < cpg; c++) {
                  const ih = i * sh + di * dh - pt;
                  const iw = j * sw + dj * dwl - pl;
                  if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
                  dx[((b * H + ih) * W + iw) * Cin + g * cpg + c] = NaN;
                  dw[((di * kw + dj) * cpg + c) * Cout + o] = NaN;
                }
            continue;
          }
          for (let di = 0; di < kh && !selected; di++)
            for (let dj = 0; dj < kw && !selected; dj++)
              for (let c = 0; c < cpg && !selected; c++) {
                const ih = i * sh + di * dh - pt;
                const iw = j * sw + dj * dwl - pl;
                if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
                const xi = ((b * H + ih) * W + iw) * Cin + g * cpg + c;
                const wi = ((di * kw + dj) * cpg + c) * Cout + o;
                if (s.name === 'maxplus' || s.name === 'minplus') {
                  if (yv !== zero && x[xi] + w[wi] === yv) {
                    dx[xi] += r;
                    dw[wi] += r;
                    dxMag[xi] += Math.abs(r);
                    dwMag[wi] += Math.abs(r);
                    selected = true;
                  }
                  continue;
                }
                const raw = multiplicative ? x[xi] * w[wi] : x[xi] + w[wi];
                const gt = r * weight(raw, yv);
                if (gt === 0) continue;
                const cx = multiplicative ? gt * w[wi] : gt;
                const cw = multiplicative ? gt * x[xi] : gt;
                dx[xi] += cx;
                dw[wi] += cw;
                dxMag[xi] += Math.abs(cx);
                dwMag[wi] += Math.abs(cw);
              }
        }
  return {dx, dw, dxMag, dwMag, dxLoose, dwLoose};
}
