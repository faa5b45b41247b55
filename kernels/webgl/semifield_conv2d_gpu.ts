/*
 * GPGPU programs of the fused forward pass. All GLSL about ⊕ and ⊗ comes from the semifield's
 * templates (sf.shader('glsl')); these classes only supply the window loop, so a new semifield needs
 * no shader code here.
 */
import type {SemifieldConvInfo} from '../../src/ops/conv_info.js';
import type {ShaderSnippets} from '../../src/semifields/types.js';
import {geometryConstants, type GPGPUProgram, programPrelude, roundToInt} from './webgl_util.js';

/**
 * The window loop shared by the forward programs: visits the terms of output (b, i, j, o) in the scan
 * order (di, dj, c) that defines provenance ties, skipping taps outside the image (padding with 𝟘).
 * `body` sees `t` (the term), `k` (its flat filter index as an int) and the loop variables.
 */
function windowLoop(glsl: ShaderSnippets, body: string): string {
  return `
    ivec4 coords = getOutputCoords();
    int b = coords.x;
    int o = coords.w;
    int cBase = (o / OPG) * CPG;
    int hBase = coords.y * SH - PT;
    int wBase = coords.z * SW - PL;
    for (int di = 0; di < KH; di++) {
      int ih = hBase + di * DH;
      if (ih < 0 || ih >= IN_H) continue;
      for (int dj = 0; dj < KW; dj++) {
        int iw = wBase + dj * DW;
        if (iw < 0 || iw >= IN_W) continue;
        int kBase = (di * KW + dj) * CPG;
        for (int c = 0; c < CPG; c++) {
          float t = ${glsl.term('getX(b, ih, iw, cBase + c)', 'getW(di, dj, c, o)')};
          ${body}
        }
      }
    }`;
}

/**
 * Selection semifields: one scan of each window for the first strictly best term. `output`
 * 'provenance' writes its flat filter index (−1 for a window without one); 'value' writes the term
 * itself. Normally only the provenance scan runs and {@link SelectedTermProgram} gathers y from it;
 * the value scan is for half-float render targets whose stored provenance is rounded (see
 * provenanceStoredExactly).
 */
export class SelectionScanProgram implements GPGPUProgram {
  variableNames = ['x', 'W'];
  outputShape: number[];
  userCode: string;

  constructor(info: SemifieldConvInfo, glsl: ShaderSnippets, output: 'provenance' | 'value') {
    this.outputShape = [info.batch, info.outHeight, info.outWidth, info.outChannels];
    const better = glsl.better!;
    this.userCode = `${programPrelude()}
      ${geometryConstants(info)}
      void main() {
        float best = ${glsl.zero};
        int arg = -1;
        ${windowLoop(glsl, `if (${better('t', 'best')}) { best = t; arg = kBase + c; }`)}
        setOutput(${output === 'provenance' ? 'float(arg)' : 'best'});
      }`;
  }
}

/**
 * Selection semifields, pass 2: y = x[k*] ⊗ w[k*] for the provenance k* of each output (𝟘 when
 * k* = −1). Recomputing the selected term is bit-identical to keeping it during the scan.
 */
export class SelectedTermProgram implements GPGPUProgram {
  variableNames = ['x', 'W', 'prov'];
  outputShape: number[];
  userCode: string;

  constructor(info: SemifieldConvInfo, glsl: ShaderSnippets) {
    this.outputShape = [info.batch, info.outHeight, info.outWidth, info.outChannels];
    this.userCode = `${programPrelude()}
      ${geometryConstants(info)}
      void main() {
        ivec4 coords = getOutputCoords();
        int o = coords.w;
        int k = ${roundToInt('getProv(coords.x, coords.y, coords.z, o)')};
        if (k < 0) {
          setOutput(${glsl.zero});
          return;
        }
        int c = imod(k, CPG);
        int tap = k / CPG;
        int dj = imod(tap, KW);
        int di = tap / KW;
        int ih = coords.y * SH + di * DH - PT;
        int iw = coords.z * SW + dj * DW - PL;
        setOutput(${glsl.term('getX(coords.x, ih, iw, (o / OPG) * CPG + c)', 'getW(di, dj, c, o)')});
      }`;
  }
}

/**
 * Invertible semifields: y = f⁻¹(Σ f(t)) in one pass. 'sum' accumulation (linear) adds the terms;
 * 'rescaled' keeps the dominant term m and s = Σ f(t)/f(m) (online log-sum-exp for log, Σ (t/m)^p
 * for root), so nothing is exponentiated or powered beyond 1 and large |t/μ| or p cannot overflow.
 */
export class InvertibleForwardProgram implements GPGPUProgram {
  variableNames = ['x', 'W'];
  outputShape: number[];
  userCode: string;

  constructor(info: SemifieldConvInfo, glsl: ShaderSnippets, accumulation: 'sum' | 'rescaled') {
    this.outputShape = [info.batch, info.outHeight, info.outWidth, info.outChannels];
    let body: string;
    let result: string;
    if (accumulation === 'sum') {
      body = 's += t;';
      result = 's';
    } else {
      const {dominates, ratio, finalize} = glsl as Required<ShaderSnippets>;
      // A 𝟘 term contributes nothing; skipping it also keeps ±∞ anchors from meeting ∓∞.
      body = `
          if (t == ${glsl.zero}) continue;
          if (${dominates('t', 'm')}) {
            s = s * ${ratio('m', 't')} + 1.0;
            m = t;
          } else {
            s += ${ratio('t', 'm')};
          }`;
      result = finalize('m', 's');
    }
    this.userCode = `${programPrelude()}
      ${geometryConstants(info)}
      void main() {
        float m = ${glsl.zero};
        float s = 0.0;
        ${windowLoop(glsl, body)}
        setOutput(${result});
      }`;
  }
}
