import * as tf from '@tensorflow/tfjs-core';
import type {InvertibleSemifield, Semifield} from '../semifields/types.js';
import type {SemifieldConvInfo} from './conv_info.js';

/*
 * The backend-agnostic path, built from public tfjs ops only. It follows the thesis's
 * strided-window formulation: one loop iteration per filter offset (di, dj), each taking a strided
 * view of the padded input — never all kh·kw windows at once (no unfold). Within an offset the
 * (Cin/groups) × (Cout/groups) terms of each output position are formed by broadcasting and
 * reduced with ⊕ over c. Gradients follow DESIGN.md §4 (selection: provenance; invertible:
 * f′(t)/f′(y)), never autodiff through the reduction.
 */

type Shape6 = [number, number, number, number, number, number];

/** The input padded with zeros (values at padded positions are masked out, never used). */
function padInput(x: tf.Tensor4D, info: SemifieldConvInfo): tf.Tensor4D {
  const {padTop, padBottom, padLeft, padRight} = info;
  if (padTop + padBottom + padLeft + padRight === 0) return x;
  return tf.pad(x, [[0, 0], [padTop, padBottom], [padLeft, padRight], [0, 0]]);
}

/** [1, OH, OW, 1, 1, 1] boolean: does the window at offset (di, dj) read a real (unpadded) pixel? */
function validMask(info: SemifieldConvInfo, di: number, dj: number): tf.Tensor | null {
  const {padTop, padBottom, padLeft, padRight} = info;
  if (padTop + padBottom + padLeft + padRight === 0) return null;
  const rows = new Uint8Array(info.outHeight);
  const cols = new Uint8Array(info.outWidth);
  let all = true;
  for (let i = 0; i < info.outHeight; i++) {
    const r = i * info.strideHeight + di * info.dilationHeight - padTop;
    rows[i] = r >= 0 && r < info.inHeight ? 1 : 0;
    all &&= rows[i] === 1;
  }
  for (let j = 0; j < info.outWidth; j++) {
    const c = j * info.strideWidth + dj * info.dilationWidth - padLeft;
    cols[j] = c >= 0 && c < info.inWidth ? 1 : 0;
    all &&= cols[j] === 1;
  }
  if (all) return null;
  const mask = new Uint8Array(info.outHeight * info.outWidth);
  for (let i = 0; i < info.outHeight; i++) for (let j = 0; j < info.outWidth; j++) mask[i * info.outWidth + j] = rows[i] & cols[j];
  return tf.tensor(mask, [1, info.outHeight, info.outWidth, 1, 1, 1], 'bool');
}

/** Strided view of the padded input for offset (di, dj): [B, OH, OW, G, Cpg, 1]. */
function inputView(xPadded: tf.Tensor4D, info: SemifieldConvInfo, di: number, dj: number): tf.Tensor {
  const top = di * info.dilationHeight;
  const left = dj * info.dilationWidth;
  const view = tf.stridedSlice(
    xPadded,
    [0, top, left, 0],
    [info.batch, top + (info.outHeight - 1) * info.strideHeight + 1, left + (info.outWidth - 1) * info.strideWidth + 1, info.inChannels],
    [1, info.strideHeight, info.strideWidth, 1],
  );
  return tf.reshape(view, [info.batch, info.outHeight, info.outWidth, info.groups, info.inChannelsPerGroup, 1]);
}

/** Filter slice at offset (di, dj) laid out to broadcast against the view: [1, 1, 1, G, Cpg, Opg]. */
function filterSlice(filter: tf.Tensor4D, info: SemifieldConvInfo, di: number, dj: number): tf.Tensor {
  const {inChannelsPerGroup: cpg, outChannelsPerGroup: opg, groups} = info;
  const w = tf.slice(filter, [di, dj, 0, 0], [1, 1, cpg, info.outChannels]);
  // [Cpg, G, Opg] → [G, Cpg, Opg]
  const grouped = tf.transpose(tf.reshape(w, [cpg, groups, opg]), [1, 0, 2]);
  return tf.reshape(grouped, [1, 1, 1, groups, cpg, opg]);
}

/** The terms x ⊗ w of one offset, with out-of-image terms set to 𝟘: [B, OH, OW, G, Cpg, Opg]. */
function offsetTerms(sf: Semifield, xv: tf.Tensor, wk: tf.Tensor, mask: tf.Tensor | null): tf.Tensor {
  const t = sf.termTensor(xv, wk);
  return mask == null ? t : tf.where(mask, t, tf.scalar(sf.zero));
}

function outShape(info: SemifieldConvInfo): [number, number, number, number] {
  return [info.batch, info.outHeight, info.outWidth, info.outChannels];
}

function groupedShape(info: SemifieldConvInfo): [number, number, number, number, number] {
  return [info.batch, info.outHeight, info.outWidth, info.groups, info.outChannelsPerGroup];
}

function forEachOffset(info: SemifieldConvInfo, body: (di: number, dj: number, k: number) => void): void {
  for (let di = 0; di < info.filterHeight; di++) for (let dj = 0; dj < info.filterWidth; dj++) body(di, dj, di * info.filterWidth + dj);
}

/** Replace `state` by `next()` inside a tidy, disposing the previous state tensors. */
function step<T extends tf.Tensor[]>(state: T, next: () => T): T {
  const result = tf.tidy(next);
  for (const t of state) if (!result.includes(t)) t.dispose();
  return result;
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
  const cpg = info.inChannelsPerGroup;
  const xPadded = padInput(x, info);
  try {
    if (sf.kind === 'selection') {
      let [acc, idx] = [tf.fill(groupedShape(info), sf.zero), tf.fill(groupedShape(info), -1, 'int32')];
      const channelIndex = tf.reshape(tf.range(0, cpg, 1, 'int32'), [1, 1, 1, 1, cpg, 1]);
      forEachOffset(info, (di, dj, k) => {
        [acc, idx] = step([acc, idx], () => {
          const t = offsetTerms(sf, inputView(xPadded, info, di, dj), filterSlice(filter, info, di, dj), validMask(info, di, dj));
          const best = sf.reduceTensor(t, 4); // [B, OH, OW, G, Opg]
          // First c attaining the optimum (ties keep scan order; argMax's tie rule is backend-specific).
          const firstC = tf.min(tf.where(tf.equal(t, tf.expandDims(best, 4)), channelIndex, tf.scalar(cpg, 'int32')), 4);
          const better = sf.betterTensor(best, acc);
          return [tf.where(better, best, acc), tf.where(better, tf.add(firstC, tf.scalar(k * cpg, "int32")), idx)];
        });
      });
      channelIndex.dispose();
      const y = tf.reshape(acc, outShape(info)) as tf.Tensor4D;
      const provenance = tf.reshape(idx, outShape(info)) as tf.Tensor4D;
      acc.dispose();
      idx.dispose();
      return {y, provenance};
    }
    if (sf.accumulation === 'sum') {
      let [acc] = [tf.zeros(groupedShape(info))];
      forEachOffset(info, (di, dj) => {
        [acc] = step([acc], () => {
          const t = offsetTerms(sf, inputView(xPadded, info, di, dj), filterSlice(filter, info, di, dj), validMask(info, di, dj));
          return [tf.add(acc, tf.sum(t, 4))];
        });
      });
      const y = tf.reshape(acc, outShape(info)) as tf.Tensor4D;
      acc.dispose();
      return {y};
    }
    // Rescaled invertible (log, root): online anchor m and rescaled sum s, merged per offset.
    let [m, s] = [tf.fill(groupedShape(info), sf.zero), tf.zeros(groupedShape(info))];
    forEachOffset(info, (di, dj) => {
      [m, s] = step([m, s], () => {
        const t = offsetTerms(sf, inputView(xPadded, info, di, dj), filterSlice(filter, info, di, dj), validMask(info, di, dj));
        const mNew = sf.dominantTensor(m, sf.reduceDominantTensor(t, 4));
        const sNew = tf.add(tf.mul(s, sf.ratioTensor(m, mNew)), tf.sum(sf.ratioTensor(t, tf.expandDims(mNew, 4)), 4));
        return [mNew, sNew];
      });
    });
    const y = tf.tidy(() => tf.reshape(sf.finalizeTensor(m, s), outShape(info))) as tf.Tensor4D;
    m.dispose();
    s.dispose();
    return {y};
  } finally {
    if (xPadded !== x) xPadded.dispose();
  }
}

/**
 * Place v [B, OH, OW, C] at rows top + i·sh, columns left + j·sw of a zero [B, Hp, Wp, C] tensor:
 * the adjoint of the strided view, built from pad and reshape.
 */
function scatterStrided(v: tf.Tensor4D, info: SemifieldConvInfo, top: number, left: number, hp: number, wp: number): tf.Tensor4D {
  const {batch, outHeight: oh, outWidth: ow, strideHeight: sh, strideWidth: sw} = info;
  const c = v.shape[3];
  let spread: tf.Tensor4D = v;
  if (sh > 1 || sw > 1) {
    const expanded = tf.reshape(v, [batch, oh, 1, ow, 1, c]);
    const padded = tf.pad(expanded, [[0, 0], [0, 0], [0, sh - 1], [0, 0], [0, sw - 1], [0, 0]]);
    spread = tf.reshape(padded, [batch, oh * sh, ow * sw, c]);
  }
  const h = Math.min(spread.shape[1], hp - top);
  const w = Math.min(spread.shape[2], wp - left);
  const cropped = h === spread.shape[1] && w === spread.shape[2] ? spread : tf.slice(spread, [0, 0, 0, 0], [batch, h, w, c]);
  return tf.pad(cropped, [[0, 0], [top, hp - top - h], [left, wp - left - w], [0, 0]]);
}

/**
 * Backward pass for both operands. `aux` is the provenance (selection) or y (invertible).
 * Per offset: dT = dy · ∂y/∂t (selection: the one-hot of the provenance; invertible:
 * f′(t)/f′(y)), then dx gets Σ_o dT·∂t/∂x scattered back through the strided view and dfilter gets
 * Σ_{b,i,j} dT·∂t/∂w.
 */
export function compositeBackward(
  dy: tf.Tensor4D,
  x: tf.Tensor4D,
  filter: tf.Tensor4D,
  aux: tf.Tensor4D,
  sf: Semifield,
  info: SemifieldConvInfo,
  needs: {dx: boolean; dfilter: boolean} = {dx: true, dfilter: true},
): {dx?: tf.Tensor4D; dfilter?: tf.Tensor4D} {
  const {batch, groups, inChannelsPerGroup: cpg, outChannelsPerGroup: opg} = info;
  const hp = info.inHeight + info.padTop + info.padBottom;
  const wp = info.inWidth + info.padLeft + info.padRight;
  const grouped6: Shape6 = [batch, info.outHeight, info.outWidth, groups, 1, opg];
  const xPadded = padInput(x, info);
  const dyG = tf.reshape(dy, grouped6);
  const auxG = tf.reshape(aux, grouped6);
  const channelIndex = tf.reshape(tf.range(0, cpg, 1, 'int32'), [1, 1, 1, 1, cpg, 1]);
  let dxPadded: tf.Tensor4D | null = needs.dx ? tf.zeros([batch, hp, wp, info.inChannels]) : null;
  const dfilterSlices: tf.Tensor[] = [];
  try {
    forEachOffset(info, (di, dj, k) => {
      const produced = tf.tidy(() => {
        const xv = inputView(xPadded, info, di, dj);
        const wk = filterSlice(filter, info, di, dj);
        const mask = validMask(info, di, dj);
        let weight: tf.Tensor;
        if (sf.kind === 'selection') {
          weight = tf.cast(tf.equal(auxG, tf.add(channelIndex, tf.scalar(k * cpg, "int32"))), "float32");
        } else {
          const raw = sf.multiplicative ? tf.mul(xv, wk) : tf.add(xv, wk);
          weight = (sf as InvertibleSemifield).gradWeightTensor(raw, auxG);
          if (mask != null) weight = tf.where(mask, weight, tf.scalar(0));
        }
        const dT = tf.mul(dyG, weight); // [B, OH, OW, G, Cpg, Opg]
        const out: {dx?: tf.Tensor4D; dw?: tf.Tensor} = {};
        if (dxPadded != null) {
          const dxv = tf.sum(sf.multiplicative ? tf.mul(dT, wk) : dT, 5); // [B, OH, OW, G, Cpg]
          const flat = tf.reshape(dxv, [batch, info.outHeight, info.outWidth, info.inChannels]) as tf.Tensor4D;
          out.dx = tf.add(dxPadded, scatterStrided(flat, info, di * info.dilationHeight, dj * info.dilationWidth, hp, wp)) as tf.Tensor4D;
        }
        if (needs.dfilter) {
          const g = tf.sum(sf.multiplicative ? tf.mul(dT, xv) : dT, [0, 1, 2]); // [G, Cpg, Opg]
          out.dw = tf.reshape(tf.transpose(g, [1, 0, 2]), [cpg, info.outChannels]);
        }
        return out as tf.TensorContainerObject;
      }) as {dx?: tf.Tensor4D; dw?: tf.Tensor};
      if (produced.dx != null) {
        dxPadded?.dispose();
        dxPadded = produced.dx;
      }
      if (produced.dw != null) dfilterSlices.push(produced.dw);
    });
    const result: {dx?: tf.Tensor4D; dfilter?: tf.Tensor4D} = {};
    if (dxPadded != null) {
      const padded: tf.Tensor4D = dxPadded;
      result.dx =
        hp === info.inHeight && wp === info.inWidth
          ? padded
          : tf.slice(padded as tf.Tensor4D, [0, info.padTop, info.padLeft, 0], [batch, info.inHeight, info.inWidth, info.inChannels]);
      if (result.dx !== padded) padded.dispose();
    }
    if (needs.dfilter) {
      result.dfilter = tf.tidy(() => tf.reshape(tf.stack(dfilterSlices), [info.filterHeight, info.filterWidth, cpg, info.outChannels])) as tf.Tensor4D;
    }
    return result;
  } finally {
    for (const t of dfilterSlices) t.dispose();
    for (const t of [dyG, auxG, channelIndex]) t.dispose();
    if (xPadded !== x) xPadded.dispose();
  }
}
