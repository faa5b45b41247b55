import type {NumberFormat} from './formats.js';
import {filterAt, outputSize, paddedReader, type EmulatedConvProblem} from './problem.js';

/**
 * im2col convolution in format `f`: each output is one dot product of the unfolded patch row with
 * a filter column, accumulated left to right over (di, dj, c) — a single running sum, as a GEMM
 * inner loop does. Returns [outHeight, outWidth, outChannels].
 *
 * @example
 * import {emulatedIm2col, bfloat16} from 'tfjs-semifield/primitives';
 * const y = emulatedIm2col({x: [1, 2, 3, 4], height: 2, width: 2, inChannels: 1,
 *   filter: [1, 1, 1, 1], filterHeight: 2, filterWidth: 2, outChannels: 1, pad: [0, 0, 0, 0]}, bfloat16());
 */
export function emulatedIm2col(p: EmulatedConvProblem, f: NumberFormat): Float64Array {
  const [oh, ow] = outputSize(p);
  const read = paddedReader(p);
  const y = new Float64Array(oh * ow * p.outChannels);
  for (let i = 0; i < oh; i++)
    for (let j = 0; j < ow; j++)
      for (let o = 0; o < p.outChannels; o++) {
        let acc = 0;
        for (let di = 0; di < p.filterHeight; di++)
          for (let dj = 0; dj < p.filterWidth; dj++)
            for (let c = 0; c < p.inChannels; c++)
              acc = f.add(acc, f.mul(read(i + di, j + dj, c), filterAt(p, di, dj, c, o)));
        y[(i * ow + j) * p.outChannels + o] = acc;
      }
  return y;
}
