/*
 * Packed (RGBA) backward programs, the counterparts of the packed forward scan: each fragment
 * computes a 2×2 texel of the gradient and every texel read of dy / aux / x / the filter serves two
 * lanes or more. dx: a texel is two input columns × two input channels, and a dy texel holds two
 * output channels of one output column. dfilter: a texel is two input channels × two output
 * channels, and the loop walks output columns in pairs so that one dy / aux texel serves 2 × 2 terms.
 * The per-term rule is the scalar programs' backpropTerm (from the semifield's templates).
 */
import type {SemifieldConvInfo} from '../../src/ops/conv_info.js';
import type {Semifield, ShaderSnippets} from '../../src/semifields/types.js';
import {backpropTerm} from './semifield_conv2d_backprop_input_gpu.js';
import {geometryConstants, type GPGPUProgram, programPrelude} from './webgl_util.js';

interface Operands {
  dy: string;
  aux: string;
  x: string;
  w: string;
  kf: string;
}

/** One gradient contribution into lane accumulator `acc${n}`. */
function contribution(sf: Semifield, glsl: ShaderSnippets, n: number, v: Operands, other: 'wv' | 'xv'): string {
  return `{ float dyv = ${v.dy}; float auxv = ${v.aux}; float xv = ${v.x}; float wv = ${v.w}; float kf = ${v.kf};
            ${backpropTerm(sf, glsl, other, `acc${n}`)} }`;
}

/** Reads a texel of aux (provenance or y), with the half-float correction when refined. */
function auxTexel(refined: boolean, args: string): string {
  return refined ? `(getAux(${args}) + getDelta(${args}))` : `getAux(${args})`;
}

/**
 * Does the gradient rule read aux? Selection always (the provenance); an invertible semifield only
 * when its gradWeight depends on y (linear's is the constant 1, so its backward skips the y reads).
 */
function usesAux(sf: Semifield, glsl: ShaderSnippets): boolean {
  return sf.gradientRule === 'selection' || glsl.gradWeight!('t', 'auxv').includes('auxv');
}

/**
 * Register blocking of dx along a filter row (stride 1 in width; 'pairs' and depthwise layouts, exact
 * provenance): for one filter row di (and output-channel pair) the two input columns w0, w0 + 1 of a
 * fragment receive from output columns w0 + PL − dj·DW (+1) for all KW taps — a run of at most
 * (KW − 1)·DW + 2 consecutive columns, whose dy and aux texels are read once (⌊(KW − 1)·DW/2⌋ + 2
 * texels each instead of 2·KW). w0 is even in every fragment, so which texel and half each tap uses
 * is fixed when the shader is built, as in the forward's blockedWindow.
 */
function blockedBackpropInput(
  info: SemifieldConvInfo,
  sf: Semifield,
  glsl: ShaderSnippets,
  needW: boolean,
): string | null {
  const cpg = info.inChannelsPerGroup;
  const opg = info.outChannelsPerGroup;
  const pairs = cpg % 2 === 0 && opg % 2 === 0;
  if (info.strideWidth !== 1 || (!pairs && !(cpg === 1 && opg === 1))) return null;
  const {filterWidth: kw, dilationWidth: dw} = info;
  const span = (kw - 1) * dw;
  const par = (((info.padLeft - span) % 2) + 2) % 2;
  const texels = ((par + span + 1) >> 1) + 1;
  const c = (n: number, v: Operands) => contribution(sf, glsl, n, v, 'wv');
  const needAux = usesAux(sf, glsl);
  const xs = ['xt.x', 'xt.y', 'xt.z', 'xt.w'];
  const o = pairs ? 'o' : 'cin0';
  const reads = Array.from(
    {length: texels},
    (_, m) =>
      `vec4 dt${m} = getDy(b, i, jT + ${2 * m}, ${o}); vec4 at${m} = ${needAux ? `getAux(b, i, jT + ${2 * m}, ${o})` : 'vec4(0.0)'};`,
  ).join('\n');
  const taps = Array.from({length: kw}, (_, dj) => {
    const lanes = ([0, 1] as const).map((wl) => {
      const off = par + (kw - 1 - dj) * dw + wl;
      const half = off % 2 ? 'zw' : 'xy';
      const cond = `jT + ${off} >= 0 && jT + ${off} < OUT_W${wl ? ' && w0 + 1 < IN_W' : ''}`;
      const body = pairs
        ? `${c(wl * 2, {dy: 'dyp.x', aux: 'ap.x', x: xs[wl * 2], w: 'wt.x', kf: 'kf0'})}
           ${c(wl * 2, {dy: 'dyp.y', aux: 'ap.y', x: xs[wl * 2], w: 'wt.y', kf: 'kf0'})}
           ${c(wl * 2 + 1, {dy: 'dyp.x', aux: 'ap.x', x: xs[wl * 2 + 1], w: 'wt.z', kf: 'kf0 + 1.0'})}
           ${c(wl * 2 + 1, {dy: 'dyp.y', aux: 'ap.y', x: xs[wl * 2 + 1], w: 'wt.w', kf: 'kf0 + 1.0'})}`
        : `${c(wl * 2, {dy: 'dyp.x', aux: 'ap.x', x: xs[wl * 2], w: 'wt.x', kf: 'kf0'})}
           ${c(wl * 2 + 1, {dy: 'dyp.y', aux: 'ap.y', x: xs[wl * 2 + 1], w: 'wt.y', kf: 'kf0'})}`;
      return `if (${cond}) { vec2 dyp = dt${off >> 1}.${half}; vec2 ap = at${off >> 1}.${half}; ${body} }`;
    });
    return `{
            vec4 wt = ${needW ? (pairs ? `getW(di, ${dj}, c0, o)` : `getW(di, ${dj}, 0, cin0)`) : 'vec4(0.0)'};
            float kf0 = float((di * KW + ${dj}) * CPG${pairs ? ' + c0' : ''});
            ${lanes.join('\n')}
          }`;
  }).join('\n');
  return `
        ${pairs ? 'int g = cin0 / CPG; int c0 = cin0 - g * CPG;' : ''}
        int jT = w0 + PL - ${span + par};
        for (int di = 0; di < KH; di++) {
          int hNum = h + PT - di * DH;
          if (hNum < 0) continue;
          int i = hNum / SH;
          if (i * SH != hNum || i >= OUT_H) continue;
          ${pairs ? 'for (int q = 0; q < OPG; q += 2)' : ''} {
            ${pairs ? 'int o = g * OPG + q;' : ''}
            ${reads}
            ${taps}
          }
        }`;
}

/** dL/dx, packed: output [B, H, W, Cin]; inputs dy, x, W, aux (+ delta when refined). */
export class PackedBackpropInputProgram implements GPGPUProgram {
  variableNames = ['dy', 'x', 'W', 'aux'];
  outputShape: number[];
  userCode: string;
  packedInputs = true;
  packedOutput = true;

  constructor(info: SemifieldConvInfo, sf: Semifield, glsl: ShaderSnippets, refined = false) {
    if (refined) this.variableNames.push('delta');
    this.outputShape = [info.batch, info.inHeight, info.inWidth, info.inChannels];
    const needW = sf.gradientRule === 'invertible' || sf.multiplicative;
    const c = (n: number, v: Operands) => contribution(sf, glsl, n, v, 'wv');
    const xs = ['xt.x', 'xt.y', 'xt.z', 'xt.w'];
    const cpg = info.inChannelsPerGroup;
    const opg = info.outChannelsPerGroup;
    // dy / aux of output column j (lane wl) for output channels o, o+1.
    const pairReads = (wl: 0 | 1, o: string) => `
            bool odd${wl} = imod(j${wl}, 2) == 1;
            vec4 dt${wl} = getDy(b, i, j${wl}, ${o});
            vec2 dyp${wl} = odd${wl} ? dt${wl}.zw : dt${wl}.xy;
            vec4 at${wl} = ${auxTexel(refined, `b, i, j${wl}, ${o}`)};
            vec2 ap${wl} = odd${wl} ? at${wl}.zw : at${wl}.xy;`;
    let loop: string;
    if (cpg % 2 === 0 && opg % 2 === 0) {
      loop = `
        int g = cin0 / CPG;
        int c0 = cin0 - g * CPG;
        float kf0 = float(kTap + c0);
        for (int q = 0; q < OPG; q += 2) {
          int o = g * OPG + q;
          vec4 wt = ${needW ? 'getW(di, dj, c0, o)' : 'vec4(0.0)'};
          ${([0, 1] as const)
            .map(
              (wl) => `if (ok${wl}) {
            ${pairReads(wl, 'o')}
            ${c(wl * 2, {dy: `dyp${wl}.x`, aux: `ap${wl}.x`, x: xs[wl * 2], w: 'wt.x', kf: 'kf0'})}
            ${c(wl * 2, {dy: `dyp${wl}.y`, aux: `ap${wl}.y`, x: xs[wl * 2], w: 'wt.y', kf: 'kf0'})}
            ${c(wl * 2 + 1, {dy: `dyp${wl}.x`, aux: `ap${wl}.x`, x: xs[wl * 2 + 1], w: 'wt.z', kf: 'kf0 + 1.0'})}
            ${c(wl * 2 + 1, {dy: `dyp${wl}.y`, aux: `ap${wl}.y`, x: xs[wl * 2 + 1], w: 'wt.w', kf: 'kf0 + 1.0'})}
          }`,
            )
            .join('\n')}
        }`;
    } else if (cpg === 1 && opg === 1) {
      loop = `
        float kf0 = float(kTap);
        vec4 wt = ${needW ? 'getW(di, dj, 0, cin0)' : 'vec4(0.0)'};
        ${([0, 1] as const)
          .map(
            (wl) => `if (ok${wl}) {
          ${pairReads(wl, 'cin0')}
          ${c(wl * 2, {dy: `dyp${wl}.x`, aux: `ap${wl}.x`, x: xs[wl * 2], w: 'wt.x', kf: 'kf0'})}
          ${c(wl * 2 + 1, {dy: `dyp${wl}.y`, aux: `ap${wl}.y`, x: xs[wl * 2 + 1], w: 'wt.y', kf: 'kf0'})}
        }`,
          )
          .join('\n')}`;
    } else {
      // Any other grouping: each operand from its own texel.
      loop = ([0, 1] as const)
        .map(
          (wl) => `if (ok${wl}) {
          ${([0, 1] as const)
            .map(
              (cl) => `{
            int cin = cin0 + ${cl};
            int g = cin / CPG;
            int c = cin - g * CPG;
            float kfc = float(kTap + c);
            for (int q = 0; q < OPG; q++) {
              int o = g * OPG + q;
              ${c(wl * 2 + cl, {
                dy: `getChannel(getDy(b, i, j${wl}, o), vec2(j${wl}, o))`,
                aux: `getChannel(${auxTexel(refined, `b, i, j${wl}, o`)}, vec2(j${wl}, o))`,
                x: xs[wl * 2 + cl],
                w: needW ? 'getChannel(getW(di, dj, c, o), vec2(c, o))' : '0.0',
                kf: 'kfc',
              })}
            }
          }`,
            )
            .join('\n')}
        }`,
        )
        .join('\n');
    }
    const blocked = refined ? null : blockedBackpropInput(info, sf, glsl, needW);
    this.userCode = `${programPrelude()}
      ${geometryConstants(info)}
      void main() {
        ivec4 coords = getOutputCoords();
        int b = coords.x;
        int h = coords.y;
        int w0 = coords.z;
        int cin0 = coords.w;
        vec4 xt = getX(b, h, w0, cin0);
        float acc0 = 0.0;
        float acc1 = 0.0;
        float acc2 = 0.0;
        float acc3 = 0.0;
        ${
          blocked ??
          `for (int di = 0; di < KH; di++) {
          int hNum = h + PT - di * DH;
          if (hNum < 0) continue;
          int i = hNum / SH;
          if (i * SH != hNum || i >= OUT_H) continue;
          for (int dj = 0; dj < KW; dj++) {
            int wNum0 = w0 + PL - dj * DW;
            int wNum1 = wNum0 + 1;
            int j0 = wNum0 / SW;
            int j1 = wNum1 / SW;
            bool ok0 = wNum0 >= 0 && j0 * SW == wNum0 && j0 < OUT_W;
            bool ok1 = w0 + 1 < IN_W && wNum1 >= 0 && j1 * SW == wNum1 && j1 < OUT_W;
            if (!ok0 && !ok1) continue;
            int kTap = (di * KW + dj) * CPG;
            ${loop}
          }
        }`
        }
        setOutput(vec4(acc0, acc1, acc2, acc3));
      }`;
  }
}

/** dL/dfilter, packed: output [kh, kw, Cin/groups, Cout]; inputs dy, x, W, aux (+ delta when refined). */
export class PackedBackpropFilterProgram implements GPGPUProgram {
  variableNames = ['dy', 'x', 'W', 'aux'];
  outputShape: number[];
  userCode: string;
  packedInputs = true;
  packedOutput = true;

  constructor(info: SemifieldConvInfo, sf: Semifield, glsl: ShaderSnippets, refined = false) {
    if (refined) this.variableNames.push('delta');
    this.outputShape = [info.filterHeight, info.filterWidth, info.inChannelsPerGroup, info.outChannels];
    const needX = sf.gradientRule === 'invertible' || sf.multiplicative;
    const needAux = usesAux(sf, glsl);
    const c = (n: number, v: Operands) => contribution(sf, glsl, n, v, 'xv');
    const ws = ['wt.x', 'wt.y', 'wt.z', 'wt.w'];
    const cpg = info.inChannelsPerGroup;
    const opg = info.outChannelsPerGroup;
    const pairs = cpg % 2 === 0 && opg % 2 === 0;
    const depthwise = cpg === 1 && opg === 1;
    // Components of the dy / aux texels for output column A (j) or B (j + 1) and channel lane ol.
    const comp = (col: 'A' | 'B', ol: number) => (col === 'A' ? ['x', 'y'] : ['z', 'w'])[ol];
    // The terms of output column `col` given `xp`, the vec2 of x at that column (pairs and depthwise layouts).
    const terms = (col: 'A' | 'B', xp: string) =>
      pairs
        ? `${c(0, {dy: `dt.${comp(col, 0)}`, aux: `at.${comp(col, 0)}`, x: `${xp}.x`, w: ws[0], kf: 'kf0'})}
            ${c(1, {dy: `dt.${comp(col, 1)}`, aux: `at.${comp(col, 1)}`, x: `${xp}.x`, w: ws[1], kf: 'kf0'})}
            ${c(2, {dy: `dt.${comp(col, 0)}`, aux: `at.${comp(col, 0)}`, x: `${xp}.y`, w: ws[2], kf: 'kf0 + 1.0'})}
            ${c(3, {dy: `dt.${comp(col, 1)}`, aux: `at.${comp(col, 1)}`, x: `${xp}.y`, w: ws[3], kf: 'kf0 + 1.0'})}`
        : `${c(0, {dy: `dt.${comp(col, 0)}`, aux: `at.${comp(col, 0)}`, x: `${xp}.x`, w: ws[0], kf: 'kf0'})}
            ${c(1, {dy: `dt.${comp(col, 1)}`, aux: `at.${comp(col, 1)}`, x: `${xp}.y`, w: ws[1], kf: 'kf0'})}`;
    const xCh = pairs ? 'cin' : 'o0';
    const readX = (iw: string) => (needX ? `getX(b, ih, ${iw}, ${xCh})` : 'vec4(0.0)');
    const readDyAux = `vec4 dt = getDy(b, i, j, o0);
              vec4 at = ${needAux ? auxTexel(refined, 'b, i, j, o0') : 'vec4(0.0)'};`;
    let column: (col: 'A' | 'B') => string;
    if (pairs || depthwise) {
      column = (col) => `if (ok${col}) {
            vec4 xq = ${readX(`iw${col}`)};
            vec2 xp = imod(iw${col}, 2) == 1 ? xq.zw : xq.xy;
            ${terms(col, 'xp')}
          }`;
    } else {
      column = (col) => `if (ok${col}) {
            ${[0, 1, 2, 3]
              .map((n) => {
                const cl = n >> 1;
                const ol = n & 1;
                const cin = `((o0 + ${ol}) / OPG) * CPG + c0 + ${cl}`;
                return `{
              int cin = ${cin};
              ${c(n, {
                dy: `dt.${comp(col, ol)}`,
                aux: `at.${comp(col, ol)}`,
                x: needX ? `getChannel(getX(b, ih, iw${col}, cin), vec2(iw${col}, cin))` : '0.0',
                w: ws[n],
                kf: cl ? 'kf0 + 1.0' : 'kf0',
              })}
            }`;
              })
              .join('\n')}
          }`;
    }
    // Stride 1 in width, pairs / depthwise: the two output columns j, j + 1 of an iteration meet input
    // columns iwA, iwA + 1. When iwA is even both are one x texel; when odd they straddle two, and the
    // upper one is the lower one of the next iteration, so it is carried over: one x texel per
    // iteration instead of two, and no per-iteration half selection (the parity of iwA = j + dj·DW − PL
    // is fixed per fragment, so the branch on it is outside the loop).
    let rowLoop: string;
    if (info.strideWidth === 1 && (pairs || depthwise)) {
      const okAB = `bool okA = iwA >= 0 && iwA < IN_W;
              bool okB = j + 1 < OUT_W && iwA + 1 >= 0 && iwA + 1 < IN_W;`;
      rowLoop = `if (oddCol) {
              vec4 xLo = ${readX('offW - 1')};
              for (int j = 0; j < OUT_W; j += 2) {
                int iwA = j + offW;
                vec4 xHi = ${readX('iwA + 1')};
                ${okAB}
                if (okA || okB) {
                  ${readDyAux}
                  if (okA) { ${terms('A', 'xLo.zw')} }
                  if (okB) { ${terms('B', 'xHi.xy')} }
                }
                xLo = xHi;
              }
            } else {
              for (int j = 0; j < OUT_W; j += 2) {
                int iwA = j + offW;
                ${okAB}
                if (!okA && !okB) continue;
                ${readDyAux}
                vec4 xq = ${readX('iwA')};
                if (okA) { ${terms('A', 'xq.xy')} }
                if (okB) { ${terms('B', 'xq.zw')} }
              }
            }`;
    } else {
      rowLoop = `for (int j = 0; j < OUT_W; j += 2) {
              int iwA = j * SW + dj * DW - PL;
              int iwB = iwA + SW;
              bool okA = iwA >= 0 && iwA < IN_W;
              bool okB = j + 1 < OUT_W && iwB >= 0 && iwB < IN_W;
              if (!okA && !okB) continue;
              ${readDyAux}
              ${column('A')}
              ${column('B')}
            }`;
    }
    this.userCode = `${programPrelude()}
      ${geometryConstants(info)}
      void main() {
        ivec4 coords = getOutputCoords();
        int di = coords.x;
        int dj = coords.y;
        int c0 = coords.z;
        int o0 = coords.w;
        int cin = (o0 / OPG) * CPG + c0;
        vec4 wt = getW(di, dj, c0, o0);
        float kf0 = float((di * KW + dj) * CPG + c0);
        float acc0 = 0.0;
        float acc1 = 0.0;
        float acc2 = 0.0;
        float acc3 = 0.0;
        int offW = dj * DW - PL;
        bool oddCol = imod(dj * DW + PL, 2) == 1;
        for (int b = 0; b < BATCH; b++) {
          for (int i = 0; i < OUT_H; i++) {
            int ih = i * SH + di * DH - PT;
            if (ih < 0 || ih >= IN_H) continue;
            ${rowLoop}
          }
        }
        setOutput(vec4(acc0, acc1, acc2, acc3));
      }`;
  }
}
