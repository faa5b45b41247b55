import type {NumberFormat} from './formats.js';
import {filterAt, outputSize, paddedReader, type EmulatedConvProblem} from './problem.js';

/**
 * Direct convolution in format `f`, in the order {@link conv2dDirect} uses: per filter tap a
 * channel sum (rounded at every step), then the tap's partial sum added to the running total.
 * Returns [outHeight, outWidth, outChannels].
 *
 * @example
 * import {emulatedDirect, float16} from 'tfjs-semifield/primitives';
 * const y = emulatedDirect({x: [1, 2, 3, 4], height: 2, width: 2, inChannels: 1,
 *   filter: [1, 1, 1, 1], filterHeight: 2, filterWidth: 2, outChannels: 1, pad: [0, 0, 0, 0]}, float16());
 * // y[0] === 10
 */
export function emulatedDirect(p: EmulatedConvProblem, f: NumberFormat): Float64Array {
  const [oh, ow] = outputSize(p);
  const read = paddedReader(p);
  const y = new Float64Array(oh * ow * p.outChannels);
  for (let i = 0; i < oh; i++)
    for (let j = 0; j < ow; j++)
      for (let o = 0; o < p.outChannels; o++) {
        let acc = 0;
        for (let di = 0; di < p.filterHeight; di++)
          for (let dj = 0; dj < p.filterWidth; dj++) {
            let tap = 0;
            for (let c = 0; c < p.inChannels; c++)
              tap = f.add(tap, f.mul(read(i + di, j + dj, c), filterAt(p, di, dj, c, o)));
            acc = f.add(acc, tap);
          }
        y[(i * ow + j) * p.outChannels + o] = acc;
      }
  return y;
}
