import type {ConvGeometry} from './conv_info.js';

/** The part of a convolution's geometry that decides which taps of a window fall inside the image. */
export type WindowGeometry = Pick<
  ConvGeometry,
  | 'batch'
  | 'inHeight'
  | 'inWidth'
  | 'outHeight'
  | 'outWidth'
  | 'filterHeight'
  | 'filterWidth'
  | 'strideHeight'
  | 'strideWidth'
  | 'dilationHeight'
  | 'dilationWidth'
  | 'padTop'
  | 'padLeft'
>;

/** Taps kept in one table at most (two Int32Arrays of this length: 8 MB). */
const MAX_TABLE_TAPS = 1 << 20;

/**
 * The one window loop of the CPU kernels: a cursor over the output rows (b, i) of a batch, with
 * the in-image taps of every window of the current row.
 *
 *     const rows = new WindowRows(info);
 *     while (rows.next()) {
 *       const {b, window, output, start, pixel, tap} = rows;
 *       for (let j = 0; j < OW; j++)   // output pixel output + j
 *         for (let t = start[window + j], tEnd = start[window + j + 1]; t < tEnd; t++)
 *           … input pixel b·H·W + pixel[t], filter tap tap[t] = di·kw + dj …
 *     }
 *
 * A window's taps depend on the output position (i, j) only, not on the image, so they are
 * gathered once per call (per block of rows when the table would exceed MAX_TABLE_TAPS) and read
 * for every image: the bounds checks and index arithmetic run once per window position instead of
 * once per image and tap. Rows come image by image (b outer, i inner) within a block, the order
 * that keeps an image's rows in cache. A per-window gather redone for every image measured slower
 * on depthwise layers than loops written out per kernel; this one did not (issue 17,
 * docs/benchmarks-history.md, "CPU window loop shared").
 *
 * Taps of a window come in scan order (di, dj) — the order that decides provenance ties
 * (docs/design.md §4).
 */
export class WindowRows {
  /** Image of the current row. */
  b = 0;
  /** Output row of the current row. */
  i = 0;
  /** Index of the current row's first window (column 0) into `start`. */
  window = 0;
  /** Flat index of the current row's first output pixel: (b·OH + i)·OW. */
  output = 0;
  /** The taps of window w are start[w] … start[w + 1] − 1. */
  readonly start: Int32Array;
  /** Input pixel of each tap within an image: ih·W + iw. */
  readonly pixel: Int32Array;
  /** Filter tap of each tap: di·kw + dj. */
  readonly tap: Int32Array;
  /** Output rows per table. */
  private readonly blockRows: number;
  /** First and end row of the gathered block. */
  private blockFirst = 0;
  private blockEnd = 0;
  private started = false;
  private readonly colFirst: Int32Array;
  private readonly colEnd: Int32Array;

  /** `maxTableTaps` bounds the table (tests pass small values to exercise several blocks). */
  constructor(
    private readonly geometry: WindowGeometry,
    maxTableTaps = MAX_TABLE_TAPS,
  ) {
    const {outHeight: OH, outWidth: OW, filterHeight: kh, filterWidth: kw} = geometry;
    const tapsPerRow = Math.max(1, OW * kh * kw);
    this.blockRows = Math.max(1, Math.min(OH, Math.floor(maxTableTaps / tapsPerRow)));
    this.start = new Int32Array(this.blockRows * OW + 1);
    this.pixel = new Int32Array(this.blockRows * OW * kh * kw);
    this.tap = new Int32Array(this.pixel.length);
    this.colFirst = new Int32Array(OW);
    this.colEnd = new Int32Array(OW);
    for (let j = 0; j < OW; j++) {
      const g = geometry;
      [this.colFirst[j], this.colEnd[j]] = validTaps(j, g.strideWidth, g.dilationWidth, g.padLeft, kw, g.inWidth);
    }
  }

  /** Move to the next output row; false when every row of every image has been visited. */
  next(): boolean {
    const {batch: B, outHeight: OH, outWidth: OW} = this.geometry;
    if (!this.started) {
      this.started = true;
      if (B === 0 || OH === 0) return false;
      this.gatherBlock(0);
      this.b = 0;
      this.i = 0;
    } else if (this.i + 1 < this.blockEnd) {
      this.i++;
    } else if (this.b + 1 < B) {
      this.b++;
      this.i = this.blockFirst;
    } else if (this.blockEnd < OH) {
      this.gatherBlock(this.blockEnd);
      this.b = 0;
      this.i = this.blockFirst;
    } else {
      return false;
    }
    this.window = (this.i - this.blockFirst) * OW;
    this.output = (this.b * OH + this.i) * OW;
    return true;
  }

  private gatherBlock(first: number): void {
    const g = this.geometry;
    const {inWidth: W, filterWidth: kw, strideWidth: sw, dilationWidth: dw, padLeft: left, outWidth: OW} = g;
    const {start, pixel, tap, colFirst, colEnd} = this;
    this.blockFirst = first;
    this.blockEnd = Math.min(g.outHeight, first + this.blockRows);
    let n = 0;
    for (let i = first; i < this.blockEnd; i++) {
      const [rowFirst, rowEnd] = validTaps(i, g.strideHeight, g.dilationHeight, g.padTop, g.filterHeight, g.inHeight);
      for (let j = 0; j < OW; j++) {
        start[(i - first) * OW + j] = n;
        for (let di = rowFirst; di < rowEnd; di++) {
          const rowPixel = (i * g.strideHeight + di * g.dilationHeight - g.padTop) * W;
          for (let dj = colFirst[j]; dj < colEnd[j]; dj++) {
            pixel[n] = rowPixel + j * sw + dj * dw - left;
            tap[n] = di * kw + dj;
            n++;
          }
        }
      }
    }
    start[(this.blockEnd - first) * OW] = n;
  }
}

/** The filter taps d (first ≤ d < end) whose input coordinate o·stride + d·dilation − pad lies in [0, size). */
function validTaps(
  o: number,
  stride: number,
  dilation: number,
  pad: number,
  taps: number,
  size: number,
): [number, number] {
  const origin = o * stride - pad;
  let first = 0;
  while (first < taps && origin + first * dilation < 0) first++;
  let end = first;
  while (end < taps && origin + end * dilation < size) end++;
  return [first, end];
}
