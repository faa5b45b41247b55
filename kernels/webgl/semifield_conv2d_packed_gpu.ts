/*
 * Packed (RGBA) forward programs: each fragment computes a 2×2 block of outputs — two output
 * columns j, j+1 × two output channels o, o+1, tfjs's packed texel layout for [B, OH, OW, Cout] —
 * from packed inputs, whose texels hold 2×2 blocks too (x: two columns × two channels; filter: two
 * input channels × two output channels). One filter texel then serves 4 terms of each of the two
 * output columns, and one input texel two channels of a column for both output channels: for even
 * channels per group, 3 texture reads per 8 terms instead of 2 per term. Texture reads (with their
 * address arithmetic) are what these shaders spend their time on, so this is the main lever.
 *
 * As in the scalar programs, every ⊕/⊗ expression comes from the semifield's GLSL templates.
 */
import type {SemifieldConvInfo} from '../../src/ops/conv_info.js';
import type {ShaderSnippets} from '../../src/semifields/types.js';
import {
  flatTexelGetter,
  geometryConstants,
  type GPGPUProgram,
  packedTexelConstants,
  programPrelude,
  roundToInt,
} from './webgl_util.js';

/** The four outputs of a texel: component, output-column lane, output-channel lane. */
const LANES = [
  {comp: 'x', jl: 0, ol: 0},
  {comp: 'y', jl: 0, ol: 1},
  {comp: 'z', jl: 1, ol: 0},
  {comp: 'w', jl: 1, ol: 1},
] as const;

export type PackedForwardMode =
  {gradientRule: 'selection'} | {gradientRule: 'invertible'; accumulation: 'sum' | 'rescaled'};

/** GLSL for folding term `t` (flat filter index `k`) into lane `n`'s accumulator. */
function accumulate(
  glsl: ShaderSnippets,
  mode: PackedForwardMode,
  n: number | string,
  t: string,
  k: string,
  anyOrder = false,
): string {
  if (mode.gradientRule === 'selection') {
    // Branch-free: SwiftShader and real GPUs alike run both sides of a divergent `if` anyway.
    // `anyOrder`: terms are not visited in scan order, so an equal term with a smaller flat index
    // (earlier in the order di, dj, c) must win the tie too.
    const wins = anyOrder
      ? `${glsl.better!('t', `acc${n}`)} || (t == acc${n} && ${k} < arg${n})`
      : glsl.better!('t', `acc${n}`);
    return `{ float t = ${t}; bool u = ${wins}; acc${n} = u ? t : acc${n}; arg${n} = u ? ${k} : arg${n}; }`;
  }
  if (mode.accumulation === 'sum') return `acc${n} += ${t};`;
  const {dominates, ratio} = glsl as Required<ShaderSnippets>;
  return `{ float t = ${t};
            if (t != ${glsl.zero}) {
              if (${dominates('t', `acc${n}`)}) { sum${n} = sum${n} * ${ratio(`acc${n}`, 't')} + 1.0; acc${n} = t; }
              else { sum${n} += ${ratio('t', `acc${n}`)}; }
            } }`;
}

/**
 * How the channel loop reads its operands, chosen from the geometry when the shader is built:
 * - 'pairs': channels per group and output channels per group both even — a texel of x holds
 *   channels c, c+1 of the (shared) group, a texel of the filter (c, c+1) × (o, o+1);
 * - 'depthwise': one input and one output channel per group (tf.dilation2d's case) — a texel of
 *   x holds the channels o, o+1 that the two output channels read;
 * - 'scalar': anything else — each operand extracted from its own texel (still shared across lanes
 *   where the geometry allows).
 */
function channelLoop(info: SemifieldConvInfo, glsl: ShaderSnippets, mode: PackedForwardMode): string {
  const cpg = info.inChannelsPerGroup;
  const opg = info.outChannelsPerGroup;
  const acc = (n: number, t: string, k: string) => accumulate(glsl, mode, n, t, k);
  const term = glsl.term;
  const perColumn = (body: (jl: 0 | 1) => string) =>
    ([0, 1] as const).map((jl) => `if (in${jl}) {\n${body(jl)}\n}`).join('\n');
  /*
   * Both columns' x from texels at channel `ch`. With stride 1 the two columns read adjacent input
   * columns iw0, iw0 + 1, which share one texel whenever iw0 is even (the branch is uniform across
   * fragments: every fragment's j is even), saving a quarter of the x reads.
   */
  const xColumns = (ch: string, lanes: (jl: 0 | 1) => string) => {
    const separate = perColumn(
      (jl) => `
          vec4 xt${jl} = getX(b, ih, iw${jl}, ${ch});
          vec2 xv${jl} = odd${jl} ? xt${jl}.zw : xt${jl}.xy;
          ${lanes(jl)}`,
    );
    if (info.strideWidth !== 1) return separate;
    return `if (in0 && in1 && !odd0) {
          vec4 xt = getX(b, ih, iw0, ${ch});
          vec2 xv0 = xt.xy;
          vec2 xv1 = xt.zw;
          ${lanes(0)}
          ${lanes(1)}
        } else {
          ${separate}
        }`;
  };
  if (cpg % 2 === 0 && opg % 2 === 0) {
    return `
      for (int c = 0; c < CPG; c += 2) {
        vec4 wt = getW(di, dj, c, o0);
        int k = kBase + c;
        ${xColumns(
          'cb0 + c',
          (jl) => `
          ${acc(jl * 2, term(`xv${jl}.x`, 'wt.x'), 'k')}
          ${acc(jl * 2, term(`xv${jl}.y`, 'wt.z'), 'k + 1')}
          ${acc(jl * 2 + 1, term(`xv${jl}.x`, 'wt.y'), 'k')}
          ${acc(jl * 2 + 1, term(`xv${jl}.y`, 'wt.w'), 'k + 1')}`,
        )}
      }`;
  }
  if (cpg === 1 && opg === 1) {
    return `
      {
        vec4 wt = getW(di, dj, 0, o0);
        int k = kBase;
        ${xColumns(
          'o0',
          (jl) => `
          ${acc(jl * 2, term(`xv${jl}.x`, 'wt.x'), 'k')}
          ${acc(jl * 2 + 1, term(`xv${jl}.y`, 'wt.y'), 'k')}`,
        )}
      }`;
  }
  const sharedGroup = opg % 2 === 0;
  return `
      for (int c = 0; c < CPG; c++) {
        vec4 wt = getW(di, dj, c, o0);
        vec2 wv = imod(c, 2) == 1 ? wt.zw : wt.xy;
        int k = kBase + c;
        ${perColumn((jl) => {
          const x0 = `getChannel(getX(b, ih, iw${jl}, cb0 + c), vec2(iw${jl}, cb0 + c))`;
          const x1 = sharedGroup ? `x${jl}0` : `getChannel(getX(b, ih, iw${jl}, cb1 + c), vec2(iw${jl}, cb1 + c))`;
          return `
          float x${jl}0 = ${x0};
          float x${jl}1 = ${x1};
          ${acc(jl * 2, term(`x${jl}0`, 'wv.x'), 'k')}
          ${acc(jl * 2 + 1, term(`x${jl}1`, 'wv.y'), 'k')}`;
        })}
      }`;
}

/**
 * Register blocking along a filter row, for the 'pairs' and 'depthwise' layouts: for one filter row
 * di (and channel pair) the input texels that all KW taps of both output columns read are loaded
 * once — at most ⌊((KW−1)·dw + sw + 1)/2⌋ + 1 of them instead of up to 2·KW — and each tap picks its texel
 * and half at shader-build time: every fragment's first column j is even, so the parity of
 * j·sw − padLeft is the same everywhere. The scan order becomes (di, c, dj), hence the tie-aware
 * selection comparison.
 */
function blockedWindow(
  info: SemifieldConvInfo,
  glsl: ShaderSnippets,
  mode: PackedForwardMode,
  fast: boolean,
): string | null {
  const cpg = info.inChannelsPerGroup;
  const opg = info.outChannelsPerGroup;
  const pairs = cpg % 2 === 0 && opg % 2 === 0;
  if (!pairs && !(cpg === 1 && opg === 1)) return null;
  const {filterWidth: kw, dilationWidth: dw, strideWidth: sw} = info;
  const par = info.padLeft % 2;
  const texels = Math.floor((par + (kw - 1) * dw + sw) / 2) + 1;
  /*
   * Selection keeps the tie rule without a tie-aware comparison per term. Depthwise: the blocked
   * order (di, dj) is the scan order, so a strict `better` suffices. Pairs: the order is (di, c, dj),
   * so each tap column dj gets its own accumulators; restricted to one dj the visit order (di, c)
   * is the scan order, so a strict `better` finds the first best term of that column, and the KW
   * column winners are merged once at the end, ties going to the smaller flat index. That halves
   * the per-term work (add, compare, two selects) against the tie-aware comparison.
   */
  const perColumn = mode.gradientRule === 'selection' && pairs;
  const acc = (n: number, t: string, k: string, dj: number) =>
    perColumn ? accumulate(glsl, mode, `${dj}_${n}`, t, k) : accumulate(glsl, mode, n, t, k, false);
  const columnAccs = perColumn
    ? Array.from({length: kw}, (_, dj) =>
        LANES.map((_, n) => `float acc${dj}_${n} = ${glsl.zero}; int arg${dj}_${n} = -1;`).join(' '),
      ).join('\n')
    : '';
  const mergeColumns = perColumn
    ? Array.from({length: kw}, (_, dj) =>
        LANES.map((_, n) => {
          const [a, g] = [`acc${dj}_${n}`, `arg${dj}_${n}`];
          return `{ bool u = ${glsl.better!(a, `acc${n}`)} || (${a} == acc${n} && ${g} < arg${n}); acc${n} = u ? ${a} : acc${n}; arg${n} = u ? ${g} : arg${n}; }`;
        }).join('\n'),
      ).join('\n')
    : '';
  const term = glsl.term;
  const ch = pairs ? 'cb0 + c' : 'o0';
  // fast: flat texel indices (flatTexelGetter) — x texels of one row and channel pair are XTC apart.
  const fetches = fast
    ? `int xi = ((b * IN_H + ih) * XTW + wStart / 2) * XTC + (${ch}) / 2;\n` +
      Array.from({length: texels}, (_, m) => `vec4 xt${m} = xTexel(xi + ${m} * XTC);`).join('\n')
    : Array.from({length: texels}, (_, m) => `vec4 xt${m} = getX(b, ih, wStart + ${2 * m}, ${ch});`).join('\n');
  const wFetch = (dj: number) =>
    fast
      ? `WTexel(((di * KW + ${dj}) * WTC + ${pairs ? 'c / 2' : '0'}) * WTO + o0 / 2)`
      : `getW(di, ${dj}, ${pairs ? 'c' : '0'}, o0)`;
  const taps = Array.from({length: kw}, (_, dj) => {
    const lanes = ([0, 1] as const).map((jl) => {
      const off = par + dj * dw + jl * sw;
      const xv = `xt${off >> 1}.${off % 2 ? 'zw' : 'xy'}`;
      const body = pairs
        ? `${acc(jl * 2, term('xv.x', 'wt.x'), 'k', dj)}
           ${acc(jl * 2, term('xv.y', 'wt.z'), 'k + 1', dj)}
           ${acc(jl * 2 + 1, term('xv.x', 'wt.y'), 'k', dj)}
           ${acc(jl * 2 + 1, term('xv.y', 'wt.w'), 'k + 1', dj)}`
        : `${acc(jl * 2, term('xv.x', 'wt.x'), 'k', dj)}
           ${acc(jl * 2 + 1, term('xv.y', 'wt.y'), 'k', dj)}`;
      return `if (in${jl}) { vec2 xv = ${xv}; ${body} }`;
    });
    return `{
          int iw0 = wBase + ${dj * dw};
          int iw1 = iw0 + SW;
          bool in0 = iw0 >= 0 && iw0 < IN_W;
          bool in1 = col1 && iw1 >= 0 && iw1 < IN_W;
          vec4 wt = ${wFetch(dj)};
          int k = (di * KW + ${dj}) * CPG${pairs ? ' + c' : ''};
          ${lanes.join('\n')}
        }`;
  }).join('\n');
  return `
        ${columnAccs}
        int wStart = wBase - ${par};
        for (int di = 0; di < KH; di++) {
          int ih = hBase + di * DH;
          if (ih < 0 || ih >= IN_H) continue;
          ${pairs ? 'for (int c = 0; c < CPG; c += 2)' : ''} {
            ${fetches}
            ${taps}
          }
        }
        ${mergeColumns}`;
}

/** The plain window loop (taps in scan order, channel loop inside): every other layout. */
function tapLoop(info: SemifieldConvInfo, glsl: ShaderSnippets, mode: PackedForwardMode): string {
  return `
        for (int di = 0; di < KH; di++) {
          int ih = hBase + di * DH;
          if (ih < 0 || ih >= IN_H) continue;
          for (int dj = 0; dj < KW; dj++) {
            int iw0 = wBase + dj * DW;
            int iw1 = iw0 + SW;
            bool in0 = iw0 >= 0 && iw0 < IN_W;
            bool in1 = col1 && iw1 >= 0 && iw1 < IN_W;
            if (!in0 && !in1) continue;
            // Which row of a packed texel each column sits in: loop-invariant over channels.
            bool odd0 = imod(iw0, 2) == 1;
            bool odd1 = imod(iw1, 2) == 1;
            int kBase = (di * KW + dj) * CPG;
            ${channelLoop(info, glsl, mode)}
          }
        }
`;
}

/**
 * The packed forward scan. Selection: writes the provenance of the four outputs (int32, packed);
 * invertible: writes y, with the same online accumulation as the scalar program.
 */
export class PackedForwardProgram implements GPGPUProgram {
  variableNames = ['x', 'W'];
  outputShape: number[];
  userCode: string;
  packedInputs = true;
  packedOutput = true;

  constructor(info: SemifieldConvInfo, glsl: ShaderSnippets, mode: PackedForwardMode) {
    this.outputShape = [info.batch, info.outHeight, info.outWidth, info.outChannels];
    const init = LANES.map((_, n) =>
      mode.gradientRule === 'selection'
        ? `float acc${n} = ${glsl.zero}; int arg${n} = -1;`
        : mode.accumulation === 'sum'
          ? `float acc${n} = 0.0;`
          : `float acc${n} = ${glsl.zero}; float sum${n} = 0.0;`,
    ).join('\n');
    const result =
      mode.gradientRule === 'selection'
        ? `vec4(${LANES.map((_, n) => `float(arg${n})`).join(', ')})`
        : mode.accumulation === 'sum'
          ? `vec4(acc0, acc1, acc2, acc3)`
          : `vec4(${LANES.map((_, n) => glsl.finalize!(`acc${n}`, `sum${n}`)).join(', ')})`;
    const xGet = flatTexelGetter('x', [info.batch, info.inHeight, info.inWidth, info.inChannels]);
    const wGet = flatTexelGetter('W', [info.filterHeight, info.filterWidth, info.inChannelsPerGroup, info.outChannels]);
    const fast = xGet != null && wGet != null;
    const window = blockedWindow(info, glsl, mode, fast) ?? tapLoop(info, glsl, mode);
    this.userCode = `${programPrelude()}
      ${geometryConstants(info)}
      ${packedTexelConstants(info)}
      ${fast ? `${xGet[0]}\n${wGet[0]}` : ''}
      void main() {
        ${fast ? `${xGet[1]}\n${wGet[1]}` : ''}
        ivec4 coords = getOutputCoords();
        int b = coords.x;
        int o0 = coords.w;
        int cb0 = (o0 / OPG) * CPG;
        int cb1 = ((o0 + 1) / OPG) * CPG;
        int hBase = coords.y * SH - PT;
        int wBase = coords.z * SW - PL;
        bool col1 = coords.z + 1 < OUT_W;
        ${init}
        ${window}
        setOutput(${result});
      }`;
  }
}

/**
 * Packed counterpart of SelectedTermProgram: y = x[k*] ⊗ w[k*] for the four outputs of a texel,
 * from the packed provenance (one texel read) and one read of x and of the filter per output.
 */
export class PackedSelectedTermProgram implements GPGPUProgram {
  variableNames = ['x', 'W', 'prov'];
  outputShape: number[];
  userCode: string;
  packedInputs = true;
  packedOutput = true;

  constructor(info: SemifieldConvInfo, glsl: ShaderSnippets) {
    this.outputShape = [info.batch, info.outHeight, info.outWidth, info.outChannels];
    const lanes = LANES.map(
      ({comp, jl, ol}, n) => `
        float y${n} = ${glsl.zero};
        {
          int k = ${roundToInt(`pt.${comp}`)};
          int o = o0 + ${ol};
          if (k >= 0 && o < OUT_C && coords.z + ${jl} < OUT_W) {
            int c = imod(k, CPG);
            int tap = k / CPG;
            int dj = imod(tap, KW);
            int di = tap / KW;
            int ih = coords.y * SH + di * DH - PT;
            int iw = (coords.z + ${jl}) * SW + dj * DW - PL;
            int ch = (o / OPG) * CPG + c;
            float xv = getChannel(getX(b, ih, iw, ch), vec2(iw, ch));
            float wv = getChannel(getW(di, dj, c, o), vec2(c, o));
            y${n} = ${glsl.term('xv', 'wv')};
          }
        }`,
    ).join('\n');
    this.userCode = `${programPrelude()}
      ${geometryConstants(info)}
      void main() {
        ivec4 coords = getOutputCoords();
        int b = coords.x;
        int o0 = coords.w;
        vec4 pt = getProv(b, coords.y, coords.z, o0);
        ${lanes}
        setOutput(vec4(y0, y1, y2, y3));
      }`;
  }
}
