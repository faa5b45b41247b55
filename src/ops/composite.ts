import * as tf from '@tensorflow/tfjs-core';
import type {InvertibleSemifield, Semifield} from '../semifields/types.js';
import type {SemifieldConvInfo} from './conv_info.js';
import {hasPadding, padInput, tapView} from './conv_views.js';

/*
 * The backend-agnostic path, built from public tfjs ops only (what tfjs-node, wasm and any other
 * backend without fused kernels run). It follows the thesis's strided-window formulation: one
 * strided view of the padded input per filter tap (di, dj) — never all kh·kw windows at once (no
 * unfold). Within a tap, ⊕ accumulates one input channel c at a time into output-sized state, so
 * every op works on output-sized [B, OH·OW, G, Opg] tensors and the only broadcast is x_c ⊗ w[di, dj, c, :].
 * (A first version formed all Cpg × Opg terms of a tap in one 6-D tensor: tfjs's CPU backend
 * broadcasts and tiles those element by element, far slower than this.) The linear semifield
 * uses matMul per tap instead.
 *
 * Gradients follow docs/design.md §4 (selection: one-hot of the provenance; invertible: f′(t)/f′(y)),
 * never autodiff through the reduction.
 */

/**
 * State and terms live as [B, OH·OW, G, Opg]: rank 4, because some backends (webgl's Select, for
 * one) support nothing higher.
 */
type GroupedShape = [number, number, number, number];

/**
 * What to pad with, and whether the padded terms must be masked. Out-of-image terms are skipped
 * (docs/design.md §3), which no pad value reproduces in general: 𝟘 ⊗ w is NaN for an infinite w of the
 * other sign (log μ > 0: −∞ + ∞; root: 0 · ±∞; linear: 0 · ±∞). Selection semifields pad with 𝟘
 * and need no mask: a NaN term is never `better` than the accumulator, and a finite w gives 𝟘.
 * Invertible rescaled semifields pad with a finite 0 and replace every out-of-image term by 𝟘 with
 * a mask (and zero its gradient weight); linear pads with 0 and masks the tap's products.
 */
function padValue(sf: Semifield): {value: number; masked: boolean} {
  if (sf.gradientRule === 'selection') return {value: sf.zero, masked: false};
  return {value: 0, masked: true};
}

/** Does tap (di, dj) of each output position read a real pixel? null when every position does. */
function validBits(info: SemifieldConvInfo, di: number, dj: number): Uint8Array | null {
  if (!hasPadding(info)) return null;
  const mask = new Uint8Array(info.outHeight * info.outWidth);
  let all = true;
  for (let i = 0; i < info.outHeight; i++) {
    const r = i * info.strideHeight + di * info.dilationHeight - info.padTop;
    for (let j = 0; j < info.outWidth; j++) {
      const c = j * info.strideWidth + dj * info.dilationWidth - info.padLeft;
      mask[i * info.outWidth + j] = r >= 0 && r < info.inHeight && c >= 0 && c < info.inWidth ? 1 : 0;
      all &&= mask[i * info.outWidth + j] === 1;
    }
  }
  return all ? null : mask;
}

/** [1, OH·OW, 1, 1] boolean: does tap (di, dj) of each window read a real pixel? null when all do. */
function validMask(info: SemifieldConvInfo, di: number, dj: number): tf.Tensor | null {
  const bits = validBits(info, di, dj);
  return bits == null ? null : tf.tensor(bits, [1, info.outHeight * info.outWidth, 1, 1], 'bool');
}

/** The same mask for the matMul layout [G, B·OH·OW, Opg]: [1, B·OH·OW, 1]. */
function validMaskFlat(info: SemifieldConvInfo, di: number, dj: number): tf.Tensor | null {
  const bits = validBits(info, di, dj);
  if (bits == null) return null;
  const tiled = new Uint8Array(info.batch * bits.length);
  for (let b = 0; b < info.batch; b++) tiled.set(bits, b * bits.length);
  return tf.tensor(tiled, [1, tiled.length, 1], 'bool');
}

/**
 * a · b with 0 wherever `weight` is 0: a term whose gradient weight is 0 contributes nothing, even
 * when its partner operand is ±∞ (0 · ∞ would be NaN).
 */
function mulSkippingZero(weighted: tf.Tensor, partner: tf.Tensor): tf.Tensor {
  return tf.where(tf.equal(weighted, 0), tf.scalar(0), tf.mul(weighted, partner));
}

/** The view's channel c of every group, shaped to broadcast against a filter row: Cpg × [B, OH·OW, G, 1]. */
function channelColumns(view: tf.Tensor4D, info: SemifieldConvInfo): tf.Tensor[] {
  const grouped = tf.reshape(view, [info.batch, info.outHeight * info.outWidth, info.groups, info.inChannelsPerGroup]);
  return tf.unstack(grouped, 3).map((col) => tf.expandDims(col, 3));
}

/** filter[di, dj, c, :] for every flat index k·Cpg + c, as [G, Opg] rows (Cout is group-major). */
function filterRows(filter: tf.Tensor4D, info: SemifieldConvInfo): tf.Tensor[] {
  const taps = info.filterHeight * info.filterWidth * info.inChannelsPerGroup;
  return tf.unstack(tf.reshape(filter, [taps, info.groups, info.outChannelsPerGroup]));
}

function groupedShape(info: SemifieldConvInfo): GroupedShape {
  return [info.batch, info.outHeight * info.outWidth, info.groups, info.outChannelsPerGroup];
}

function outShape(info: SemifieldConvInfo): [number, number, number, number] {
  return [info.batch, info.outHeight, info.outWidth, info.outChannels];
}

function forEachTap(info: SemifieldConvInfo, body: (di: number, dj: number, k: number) => void): void {
  for (let di = 0; di < info.filterHeight; di++)
    for (let dj = 0; dj < info.filterWidth; dj++) body(di, dj, di * info.filterWidth + dj);
}

/** Run `update` inside a tidy and dispose the state it replaces. */
function advance(state: tf.Tensor[], update: () => tf.Tensor[]): tf.Tensor[] {
  const next = tf.tidy(update);
  for (const t of state) if (!next.includes(t)) t.dispose();
  return next;
}

/**
 * Forward pass. Returns y [B, OH, OW, Cout] and, for selection semifields, the int32 provenance
 * (flat filter index (di·kw + dj)·Cpg + c of the selected term, −1 for an empty window).
 */
export function compositeForward(
  x: tf.Tensor4D,
  filter: tf.Tensor4D,
  sf: Semifield,
  info: SemifieldConvInfo,
): {y: tf.Tensor4D; provenance?: tf.Tensor4D} {
  if (sf.gradientRule === 'invertible' && sf.accumulation === 'sum') return {y: linearForward(x, filter, info)};
  const cpg = info.inChannelsPerGroup;
  const {value, masked} = padValue(sf);
  const xPadded = padInput(x, info, value);
  const rows = filterRows(filter, info);
  const shape = groupedShape(info);
  /** One pass over every term t (tap-major, channel-minor: the scan order), folding it into state. */
  const sweep = (
    initial: tf.Tensor[],
    fold: (state: tf.Tensor[], t: tf.Tensor, flat: number) => tf.Tensor[],
  ): tf.Tensor[] => {
    let state = initial;
    forEachTap(info, (di, dj, k) => {
      state = advance(state, () => {
        const cols = channelColumns(tapView(xPadded, info, di, dj), info);
        const mask = masked ? validMask(info, di, dj) : null;
        let inner = state;
        for (let c = 0; c < cpg; c++) {
          const flat = k * cpg + c;
          const next = tf.tidy(() => {
            let t = sf.termTensor(cols[c], rows[flat]); // [B, OH·OW, G, Opg]
            if (mask != null) t = tf.where(mask, t, tf.scalar(sf.zero));
            return fold(inner, t, flat);
          });
          if (inner !== state) tf.dispose(inner);
          inner = next;
        }
        return inner;
      });
    });
    return state;
  };
  try {
    if (sf.gradientRule === 'selection') {
      // State: (best term so far, its flat index); strict "better" keeps the first of equal terms.
      const [acc, idx] = sweep([tf.fill(shape, sf.zero), tf.fill(shape, -1, 'int32')], ([a, i], t, flat) => {
        const better = sf.betterTensor(t, a);
        return [tf.where(better, t, a), tf.where(better, tf.fill(shape, flat, 'int32'), i)];
      });
      try {
        return {y: tf.reshape(acc, outShape(info)), provenance: tf.reshape(idx, outShape(info))};
      } finally {
        tf.dispose([acc, idx]);
      }
    }
    // Rescaled invertible (log, root), two passes: the dominant term m first, then
    // s = Σ f(t)/f(m) with every ratio ≤ 1 — stable like the kernels' online form, but with a few
    // unguarded ops per term instead of the online form's guarded ratio updates.
    const [m] = sweep([tf.fill(shape, sf.zero)], ([dominant], t) => [sf.dominantTensor(dominant, t)]);
    const anchor = sf.safeAnchorTensor(m);
    const [s] = sweep([tf.zeros(shape)], ([sum], t) => [tf.add(sum, sf.scaledTermTensor(t, anchor))]);
    try {
      return {y: tf.tidy(() => tf.reshape(sf.finalizeFromAnchorTensor(m, anchor, s), outShape(info)))};
    } finally {
      tf.dispose([m, anchor, s]);
    }
  } finally {
    tf.dispose(rows);
    if (xPadded !== x) xPadded.dispose();
  }
}

/** Views of one tap for the matMul formulation: x [G, N, Cpg] and the tap's filter [G, Cpg, Opg]. */
function groupedTap(
  xPadded: tf.Tensor4D,
  filter: tf.Tensor4D,
  info: SemifieldConvInfo,
  di: number,
  dj: number,
): [tf.Tensor3D, tf.Tensor3D] {
  const n = info.batch * info.outHeight * info.outWidth;
  const {groups, inChannelsPerGroup: cpg, outChannelsPerGroup: opg} = info;
  const view = tapView(xPadded, info, di, dj);
  const w = tf.slice(filter, [di, dj, 0, 0], [1, 1, cpg, info.outChannels]);
  // One group needs no transpose (a copy on most backends): the group axis is a reshape.
  if (groups === 1) return [tf.reshape(view, [1, n, cpg]), tf.reshape(w, [1, cpg, opg])];
  const xg = tf.transpose(tf.reshape(view, [n, groups, cpg]), [1, 0, 2]) as tf.Tensor3D;
  const wg = tf.transpose(tf.reshape(w, [cpg, groups, opg]), [1, 0, 2]) as tf.Tensor3D;
  return [xg, wg];
}

/**
 * Linear semifield: Σ over taps of grouped matrix products (what tfjs's own conv2d reduces to).
 * Also the body of the `conv2dDirect` primitive (one group), which passes
 * `skipOutOfImage: false`: out-of-image rows then read the pad value 0 unmasked, as a plain
 * zero-padded sum does (a 0 · ±∞ there is NaN), and save a select per padded tap.
 */
export function linearForward(
  x: tf.Tensor4D,
  filter: tf.Tensor4D,
  info: SemifieldConvInfo,
  options: {skipOutOfImage?: boolean} = {},
): tf.Tensor4D {
  const skipOutOfImage = options.skipOutOfImage ?? true;
  const xPadded = padInput(x, info, 0);
  let acc: tf.Tensor | null = null;
  try {
    forEachTap(info, (di, dj) => {
      const next: tf.Tensor = tf.tidy(() => {
        const [xg, wg] = groupedTap(xPadded, filter, info, di, dj);
        // Out-of-image rows read the pad value 0, and 0 · ±∞ is NaN: such rows are skipped.
        const mask = skipOutOfImage ? validMaskFlat(info, di, dj) : null;
        const product = mask == null ? tf.matMul(xg, wg) : tf.where(mask, tf.matMul(xg, wg), tf.scalar(0));
        return acc == null ? product : tf.add(acc, product);
      });
      acc?.dispose();
      acc = next;
    });
    // A filter has at least one tap, so acc is set.
    const sum = acc!;
    return tf.tidy(() => tf.reshape(info.groups === 1 ? sum : tf.transpose(sum, [1, 0, 2]), outShape(info)));
  } finally {
    (acc as tf.Tensor | null)?.dispose();
    if (xPadded !== x) xPadded.dispose();
  }
}

/**
 * Place v [B, OH, OW, C] at rows top + i·sh, columns left + j·sw of a zero [B, Hp, Wp, C] tensor:
 * the adjoint of the strided view, built from pad and reshape.
 */
function scatterStrided(
  v: tf.Tensor4D,
  info: SemifieldConvInfo,
  top: number,
  left: number,
  hp: number,
  wp: number,
): tf.Tensor4D {
  const {batch, outHeight: oh, outWidth: ow, strideHeight: sh, strideWidth: sw} = info;
  const c = v.shape[3];
  let spread: tf.Tensor4D = v;
  if (sh > 1 || sw > 1) {
    const expanded = tf.reshape(v, [batch, oh, 1, ow, 1, c]);
    const padded = tf.pad(expanded, [
      [0, 0],
      [0, 0],
      [0, sh - 1],
      [0, 0],
      [0, sw - 1],
      [0, 0],
    ]);
    spread = tf.reshape(padded, [batch, oh * sh, ow * sw, c]);
  }
  const h = Math.min(spread.shape[1], hp - top);
  const w = Math.min(spread.shape[2], wp - left);
  const cropped =
    h === spread.shape[1] && w === spread.shape[2] ? spread : tf.slice(spread, [0, 0, 0, 0], [batch, h, w, c]);
  return tf.pad(cropped, [
    [0, 0],
    [top, hp - top - h],
    [left, wp - left - w],
    [0, 0],
  ]);
}

/**
 * Backward pass for both operands. `provenanceOrY` is what the gradient rule reads: the provenance (selection) or y (invertible).
 * Per tap and channel: dT = dy · ∂y/∂t (selection: the one-hot of the provenance; invertible:
 * f′(t)/f′(y)); dx gets Σ_o dT·∂t/∂x, scattered back through the strided view, and dfilter gets
 * Σ_{b,i,j} dT·∂t/∂w (a product with a ones row, so no backend transposes to reduce leading axes).
 */
export function compositeBackward(
  dy: tf.Tensor4D,
  x: tf.Tensor4D,
  filter: tf.Tensor4D,
  provenanceOrY: tf.Tensor4D,
  sf: Semifield,
  info: SemifieldConvInfo,
): {dx: tf.Tensor4D; dfilter: tf.Tensor4D} {
  const {batch, groups, inChannelsPerGroup: cpg} = info;
  const hp = info.inHeight + info.padTop + info.padBottom;
  const wp = info.inWidth + info.padLeft + info.padRight;
  const n = batch * info.outHeight * info.outWidth;
  const linear = sf.gradientRule === 'invertible' && sf.accumulation === 'sum';
  const {value, masked} = padValue(sf);
  const xPadded = padInput(x, info, value);
  const shape = groupedShape(info);
  const dyG = tf.reshape(dy, shape);
  const savedG = tf.reshape(provenanceOrY, shape);
  const rows = filterRows(filter, info);
  const onesOverPositions = tf.ones([1, n]);
  let dxPadded: tf.Tensor = tf.zeros([batch, hp, wp, info.inChannels]);
  const dfilterTaps: tf.Tensor[] = [];
  try {
    forEachTap(info, (di, dj, k) => {
      const [dxNext, dwTap] = tf.tidy(() => {
        let dxView: tf.Tensor4D;
        let dwTap: tf.Tensor; // [Cpg, Cout]
        if (linear) {
          const [xg, wg] = groupedTap(xPadded, filter, info, di, dj);
          const dyAll = tf.transpose(tf.reshape(dy, [n, groups, info.outChannelsPerGroup]), [1, 0, 2]) as tf.Tensor3D;
          // Out-of-image positions of this tap get no gradient (their dx lands in the padding, which
          // is cut off; their dfilter terms are skipped).
          const mask = validMaskFlat(info, di, dj);
          const dyg = (mask == null ? dyAll : tf.where(mask, dyAll, tf.scalar(0) as tf.Tensor)) as tf.Tensor3D;
          dxView = tf.reshape(tf.transpose(tf.matMul(dyg, wg, false, true), [1, 0, 2]), [
            batch,
            info.outHeight,
            info.outWidth,
            info.inChannels,
          ]);
          dwTap = tf.reshape(tf.transpose(tf.matMul(xg, dyg, true, false), [1, 0, 2]), [cpg, info.outChannels]);
        } else {
          const cols = channelColumns(tapView(xPadded, info, di, dj), info);
          const mask = masked ? validMask(info, di, dj) : null;
          const dxCols: tf.Tensor[] = [];
          const dwRows: tf.Tensor[] = [];
          for (let c = 0; c < cpg; c++) {
            const flat = k * cpg + c;
            const [dxc, dwc] = tf.tidy(() => {
              let weight: tf.Tensor;
              if (sf.gradientRule === 'selection') {
                weight = tf.cast(tf.equal(savedG, tf.fill(shape, flat, 'int32')), 'float32');
              } else {
                const raw = sf.multiplicative ? tf.mul(cols[c], rows[flat]) : tf.add(cols[c], rows[flat]);
                weight = (sf as InvertibleSemifield).gradWeightTensor(raw, savedG);
                if (mask != null) weight = tf.where(mask, weight, tf.zerosLike(weight));
              }
              const dT = tf.mul(dyG, weight); // [B, OH·OW, G, Opg]
              // ⊗ = ·: a term with zero weight (clamped, 𝟘, out of the image) adds nothing even
              // when the other operand is ±∞.
              const dxc = tf.sum(sf.multiplicative ? mulSkippingZero(dT, rows[flat]) : dT, 3); // [B, OH·OW, G]
              const perTerm = sf.multiplicative ? mulSkippingZero(dT, cols[c]) : dT;
              const dwc = tf.matMul(onesOverPositions, tf.reshape(perTerm, [n, info.outChannels])); // [1, Cout]
              return [dxc, dwc];
            });
            dxCols.push(dxc);
            dwRows.push(dwc);
          }
          dxView = tf.reshape(tf.stack(dxCols, 3), [batch, info.outHeight, info.outWidth, info.inChannels]);
          dwTap = tf.concat(dwRows, 0);
        }
        const scattered = scatterStrided(dxView, info, di * info.dilationHeight, dj * info.dilationWidth, hp, wp);
        return [tf.add(dxPadded, scattered), dwTap];
      });
      dxPadded.dispose();
      dxPadded = dxNext;
      dfilterTaps.push(dwTap);
    });
    const dx = hasPadding(info)
      ? (tf.slice(
          dxPadded,
          [0, info.padTop, info.padLeft, 0],
          [batch, info.inHeight, info.inWidth, info.inChannels],
        ) as tf.Tensor4D)
      : (dxPadded as tf.Tensor4D);
    if (dx !== dxPadded) dxPadded.dispose();
    const dfilter = tf.tidy(() =>
      tf.reshape(tf.stack(dfilterTaps), [info.filterHeight, info.filterWidth, cpg, info.outChannels]),
    ) as tf.Tensor4D;
    return {dx, dfilter};
  } catch (e) {
    dxPadded.dispose();
    throw e;
  } finally {
    tf.dispose(dfilterTaps);
    tf.dispose(rows);
    tf.dispose([dyG, savedG, onesOverPositions]);
    if (xPadded !== x) xPadded.dispose();
  }
}
