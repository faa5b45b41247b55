/**
 * One single-image convolution problem for the scalar emulations: stride 1, zero padding,
 * cross-correlation (tf.conv2d's convention), all arrays row-major.
 */
export interface EmulatedConvProblem {
  /** x [height, width, inChannels]. */
  x: ArrayLike<number>;
  height: number;
  width: number;
  inChannels: number;
  /** filter [filterHeight, filterWidth, inChannels, outChannels]. */
  filter: ArrayLike<number>;
  filterHeight: number;
  filterWidth: number;
  outChannels: number;
  /** Zero padding [top, bottom, left, right]. */
  pad: [number, number, number, number];
}

/**
 * Output size [outHeight, outWidth] of a problem.
 *
 * @example
 * import {outputSize} from 'tfjs-semifield/primitives';
 * outputSize({x: [], height: 5, width: 5, inChannels: 1, filter: [], filterHeight: 3, filterWidth: 3,
 *   outChannels: 1, pad: [1, 1, 1, 1]}); // [5, 5]
 */
export function outputSize(p: EmulatedConvProblem): [number, number] {
  const oh = p.height + p.pad[0] + p.pad[1] - p.filterHeight + 1;
  const ow = p.width + p.pad[2] + p.pad[3] - p.filterWidth + 1;
  if (oh < 1 || ow < 1)
    throw new Error(`problem: the padded input is smaller than the ${p.filterHeight}×${p.filterWidth} filter`);
  return [oh, ow];
}

/** x at padded coordinates (r, c), 0 in the padding. */
export function paddedReader(p: EmulatedConvProblem): (r: number, c: number, ch: number) => number {
  const [top, , left] = p.pad;
  return (r, c, ch) => {
    const i = r - top;
    const j = c - left;
    if (i < 0 || j < 0 || i >= p.height || j >= p.width) return 0;
    return p.x[(i * p.width + j) * p.inChannels + ch];
  };
}

/** Filter tap (di, dj, c, o). */
export function filterAt(p: EmulatedConvProblem, di: number, dj: number, c: number, o: number): number {
  return p.filter[((di * p.filterWidth + dj) * p.inChannels + c) * p.outChannels + o];
}
