/*
 * Exact provenance on half-float render targets. A half float holds integers exactly only up to
 * 2048; above that the stored provenance p̃ is the true index k rounded to a spacing u of 2, 4, …, 32.
 * k is the first strictly best term of its whole window, so it is also the first strictly best among
 * any candidates that include it: re-scanning the ≤ 2u + 1 flat indices around p̃ (a radius of one
 * spacing covers round-to-nearest and truncation alike) recovers k exactly. The program writes the
 * correction d = k − p̃ (|d| ≤ 32, exact in a half float); consumers read k = p̃ + d in float32.
 */
import type {SemifieldConvInfo} from '../../src/ops/conv_info.js';
import type {ShaderSnippets} from '../../src/semifields/types.js';
import {geometryConstants, type GPGPUProgram, programPrelude, roundToInt} from './webgl_util.js';

/** Correction d = k − p̃ for every output: inputs x, W, prov (the stored, rounded provenance). */
export class ProvenanceRefineProgram implements GPGPUProgram {
  variableNames = ['x', 'W', 'prov'];
  outputShape: number[];
  userCode: string;

  constructor(info: SemifieldConvInfo, glsl: ShaderSnippets) {
    this.outputShape = [info.batch, info.outHeight, info.outWidth, info.outChannels];
    const last = info.filterHeight * info.filterWidth * info.inChannelsPerGroup - 1;
    this.userCode = `${programPrelude()}
      ${geometryConstants(info)}
      void main() {
        ivec4 coords = getOutputCoords();
        int b = coords.x;
        int o = coords.w;
        int p = ${roundToInt('getProv(b, coords.y, coords.z, o)')};
        // Spacing of half floats around p (0 below 2048: those are stored exactly).
        int u = p >= 32768 ? 32 : p >= 16384 ? 16 : p >= 8192 ? 8 : p >= 4096 ? 4 : p >= 2048 ? 2 : 0;
        if (u == 0) {
          setOutput(0.0);
          return;
        }
        int lo = p - u;
        int hi = p + u > ${last} ? ${last} : p + u;
        int cBase = (o / OPG) * CPG;
        float best = ${glsl.zero};
        int arg = p;
        for (int n = 0; n <= 64; n++) {
          int k = lo + n;
          if (k > hi) break;
          int c = imod(k, CPG);
          int tap = k / CPG;
          int dj = imod(tap, KW);
          int di = tap / KW;
          int ih = coords.y * SH + di * DH - PT;
          int iw = coords.z * SW + dj * DW - PL;
          if (ih < 0 || ih >= IN_H || iw < 0 || iw >= IN_W) continue;
          float t = ${glsl.term('getX(b, ih, iw, cBase + c)', 'getW(di, dj, c, o)')};
          if (${glsl.better!('t', 'best')}) { best = t; arg = k; }
        }
        setOutput(float(arg - p));
      }`;
  }
}
