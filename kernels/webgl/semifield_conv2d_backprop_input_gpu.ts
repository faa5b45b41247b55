/*
 * GPGPU program of dL/dx. WebGL has no scatter or atomics, so each input element gathers from the
 * outputs whose windows contain it: for tap (di, dj) that is output (i, j) with
 * i·sh + di·dh − padTop = h (when the division is exact and in range), and every output channel of
 * its group. The semifield's gradient rule is spliced in from its templates.
 */
import type {SemifieldConvInfo} from '../../src/ops/conv_info.js';
import type {Semifield, ShaderSnippets} from '../../src/semifields/types.js';
import {geometryConstants, type GPGPUProgram, programPrelude} from './webgl_util.js';

/**
 * The per-(tap, output channel) contribution to dx, with `dyv` the upstream gradient of output
 * (b, i, j, o), `xv` this input element and `getW(di, dj, c, o)` the filter tap:
 * - selection: dy where the provenance names this tap and channel (times w when ⊗ is ·);
 * - invertible: dy · ∂y/∂t (from the templates, t recomputed from x and w) · ∂t/∂x.
 */
export function backpropTerm(sf: Semifield, glsl: ShaderSnippets, other: string, acc = 'acc'): string {
  const dTdSelf = sf.multiplicative ? ` * ${other}` : '';
  if (sf.gradientRule === 'selection') {
    return `${acc} += auxv == kf ? dyv${dTdSelf} : 0.0;`;
  }
  const raw = sf.multiplicative ? '(xv * wv)' : '(xv + wv)';
  if (!sf.multiplicative) return `${acc} += dyv * ${glsl.gradWeight!(raw, 'auxv')};`;
  // ⊗ = ·: a term whose weighted gradient is 0 (clamped, 𝟘, zero upstream) adds nothing, even
  // when the partner operand is ±∞ (0 · ∞ would be NaN; issue 15).
  return `{ float gt = dyv * ${glsl.gradWeight!(raw, 'auxv')}; ${acc} += gt == 0.0 ? 0.0 : gt${dTdSelf}; }`;
}

/**
 * The aux value of output (b, i, j, o): y or the provenance, plus the half-float correction from
 * ProvenanceRefineProgram when `refined` (sums of small exact integers are exact in float32).
 */
export function auxRead(refined: boolean): string {
  return refined ? 'getAux(b, i, j, o) + getDelta(b, i, j, o)' : 'getAux(b, i, j, o)';
}

/** dL/dx for every semifield: output [B, H, W, Cin]; inputs dy, x, W, aux (provenance or y). */
export class SemifieldBackpropInputProgram implements GPGPUProgram {
  variableNames = ['dy', 'x', 'W', 'aux'];
  outputShape: number[];
  userCode: string;

  constructor(info: SemifieldConvInfo, sf: Semifield, glsl: ShaderSnippets, refined = false) {
    if (refined) this.variableNames.push('delta');
    this.outputShape = [info.batch, info.inHeight, info.inWidth, info.inChannels];
    this.userCode = `${programPrelude()}
      ${geometryConstants(info)}
      void main() {
        ivec4 coords = getOutputCoords();
        int b = coords.x;
        int h = coords.y;
        int w = coords.z;
        int cin = coords.w;
        int g = cin / CPG;
        int c = cin - g * CPG;
        float xv = getX(b, h, w, cin);
        float acc = 0.0;
        for (int di = 0; di < KH; di++) {
          int hNum = h + PT - di * DH;
          if (hNum < 0) continue;
          int i = hNum / SH;
          if (i * SH != hNum || i >= OUT_H) continue;
          for (int dj = 0; dj < KW; dj++) {
            int wNum = w + PL - dj * DW;
            if (wNum < 0) continue;
            int j = wNum / SW;
            if (j * SW != wNum || j >= OUT_W) continue;
            float kf = float((di * KW + dj) * CPG + c);
            for (int q = 0; q < OPG; q++) {
              int o = g * OPG + q;
              float dyv = getDy(b, i, j, o);
              float auxv = ${auxRead(refined)};
              float wv = getW(di, dj, c, o);
              ${backpropTerm(sf, glsl, 'wv')}
            }
          }
        }
        setOutput(acc);
      }`;
  }
}
