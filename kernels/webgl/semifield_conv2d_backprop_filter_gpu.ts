/*
 * GPGPU program of dL/dfilter: each filter element sums over the batch and every output position
 * (the same loop as tfjs's own Conv2DDerFilterProgram), so the filter gradient is one pass with no
 * intermediate the size of the window set.
 */
import type {SemifieldConvInfo} from '../../src/ops/conv_info.js';
import type {Semifield, ShaderSnippets} from '../../src/semifields/types.js';
import {auxRead, backpropTerm} from './semifield_conv2d_backprop_input_gpu.js';
import {geometryConstants, type GPGPUProgram, programPrelude} from './webgl_util.js';

/** dL/dfilter for every semifield: output [kh, kw, Cin/groups, Cout]; inputs dy, x, W, aux. */
export class SemifieldBackpropFilterProgram implements GPGPUProgram {
  variableNames = ['dy', 'x', 'W', 'aux'];
  outputShape: number[];
  userCode: string;

  constructor(info: SemifieldConvInfo, sf: Semifield, glsl: ShaderSnippets, refined = false) {
    if (refined) this.variableNames.push('delta');
    this.outputShape = [info.filterHeight, info.filterWidth, info.inChannelsPerGroup, info.outChannels];
    this.userCode = `${programPrelude()}
      ${geometryConstants(info)}
      void main() {
        ivec4 coords = getOutputCoords();
        int di = coords.x;
        int dj = coords.y;
        int c = coords.z;
        int o = coords.w;
        int cin = (o / OPG) * CPG + c;
        float kf = float((di * KW + dj) * CPG + c);
        float wv = getW(di, dj, c, o);
        float acc = 0.0;
        for (int b = 0; b < BATCH; b++) {
          for (int i = 0; i < OUT_H; i++) {
            int ih = i * SH + di * DH - PT;
            if (ih < 0 || ih >= IN_H) continue;
            for (int j = 0; j < OUT_W; j++) {
              int iw = j * SW + dj * DW - PL;
              if (iw < 0 || iw >= IN_W) continue;
              float dyv = getDy(b, i, j, o);
              float auxv = ${auxRead(refined)};
              float xv = getX(b, ih, iw, cin);
              ${backpropTerm(sf, glsl, 'xv')}
            }
          }
        }
        setOutput(acc);
      }`;
  }
}
