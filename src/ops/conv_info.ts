import {describeValue} from './describe.js';

/** Padding in tf.conv2d's forms: 'valid', 'same', a number, or explicit [[0,0],[top,bottom],[left,right],[0,0]]. */
export type Conv2dPad =
  'valid' | 'same' | number | [[number, number], [number, number], [number, number], [number, number]];

/** Padding as the op accepts it: tf.conv2d's forms plus the short explicit form [[top, bottom], [left, right]]. */
export type SemifieldPad = Conv2dPad | [[number, number], [number, number]];

/** Options of {@link semifieldConv2d}; every field is optional. */
export interface SemifieldConv2dOptions {
  /** Step between windows: a number or [strideHeight, strideWidth]. Default 1. */
  strides?: number | [number, number];
  /** 'valid' (default), 'same' (tf.conv2d's rule), a number, or explicit [[top, bottom], [left, right]]. */
  pad?: SemifieldPad;
  /** Spacing of filter taps: a number or [dilationHeight, dilationWidth]. Default 1. Works with strides > 1. */
  dilations?: number | [number, number];
  /** Channel groups: must divide the input and output channel counts. Default 1. */
  groups?: number;
  /** 'corr' (default, tfjs convention) or 'conv' (mirror the filter, as morphology defines dilation). */
  kind?: 'corr' | 'conv';
  /** 'auto' (default): fused kernel when the active backend has one, composite otherwise. */
  implementation?: 'auto' | 'fused' | 'composite';
}

/**
 * The geometry of one convolution without channel groups: what the tf.conv2d-compatible primitives
 * and the tensor views ({@link padInput}, {@link tapView}) need.
 */
export interface ConvGeometry {
  batch: number;
  inHeight: number;
  inWidth: number;
  inChannels: number;
  outHeight: number;
  outWidth: number;
  outChannels: number;
  filterHeight: number;
  filterWidth: number;
  strideHeight: number;
  strideWidth: number;
  dilationHeight: number;
  dilationWidth: number;
  padTop: number;
  padBottom: number;
  padLeft: number;
  padRight: number;
}

/** Everything a kernel needs about one convolution's geometry: {@link ConvGeometry} plus channel groups. */
export interface SemifieldConvInfo extends ConvGeometry {
  groups: number;
  inChannelsPerGroup: number;
  outChannelsPerGroup: number;
}

/**
 * Which argument forms a caller accepts. The op accepts more than tf.conv2d; the linear conv
 * primitives accept exactly what tf.conv2d accepts, so that each of them (and the autotuner, which
 * may pick tf.conv2d itself) takes the same calls.
 */
export interface ConvArgumentRules {
  /** The short explicit pad [[top, bottom], [left, right]] (tf.conv2d has no such form). */
  shortExplicitPad: boolean;
  /** Strides > 1 together with dilations > 1 (tf.conv2d refuses them). */
  stridesWithDilations: boolean;
  /** A batch of 0 images (tf.conv2d gives an empty result; the primitives' algorithms need ≥ 1). */
  emptyBatch: boolean;
  /** `pad: null` as the default 'valid' (the op reads a null option as its default). */
  nullPad: boolean;
}

/** What {@link semifieldConv2d} (and the morphology, layers and kernels built on it) accepts. */
export const SEMIFIELD_CONV_RULES: Readonly<ConvArgumentRules> = Object.freeze({
  shortExplicitPad: true,
  stridesWithDilations: true,
  emptyBatch: true,
  nullPad: true,
});

/** What tf.conv2d accepts: the rules of the linear conv primitives. */
export const TF_CONV2D_RULES: Readonly<ConvArgumentRules> = Object.freeze({
  shortExplicitPad: false,
  stridesWithDilations: false,
  emptyBatch: false,
  nullPad: false,
});

/** The geometry attributes every Semifield* kernel receives (a tfjs NamedAttrMap). */
export interface SemifieldConvAttrs {
  /** The semifield's canonical key (JSON of its config). */
  semifield: string;
  strides: [number, number];
  dilations: [number, number];
  /** [top, bottom, left, right]. */
  pad: [number, number, number, number];
  groups: number;
  /**
   * Selection semifields: does the caller need the provenance output (default true)? The op passes
   * false outside a gradient tape; a kernel may then return [y] alone.
   */
  provenance?: boolean;
  [key: string]: unknown;
}

const show = describeValue;

export const isPositiveInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 1;
export const isNonNegativeInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0;

/**
 * A positive integer or a pair of them, as [height, width]. `undefined` gives [fallback, fallback];
 * without a fallback the argument is required.
 */
export function parsePair(value: unknown, argName: string, fallback?: number): [number, number] {
  if (value === undefined && fallback !== undefined) return [fallback, fallback];
  if (isPositiveInt(value)) return [value, value];
  if (Array.isArray(value) && value.length === 2 && value.every(isPositiveInt)) return [value[0], value[1]];
  throw new Error(
    `${argName}: expected a positive integer or a pair [height, width] of positive integers, but got ${show(value)}`,
  );
}

/** Non-negative integer pairs [[a, b], …] of the given length. */
function isPadPairs(pad: unknown, length: number): pad is Array<[number, number]> {
  return (
    Array.isArray(pad) &&
    pad.length === length &&
    pad.every((pair) => Array.isArray(pair) && pair.length === 2 && pair.every(isNonNegativeInt))
  );
}

/** [top, bottom, left, right] of an explicit pad, or 'same' / 'valid' to be resolved from the shapes. */
function parsePad(pad: unknown, rules: ConvArgumentRules): 'same' | [number, number, number, number] {
  if (pad === 'valid') return [0, 0, 0, 0];
  if (pad === 'same') return 'same';
  if (isNonNegativeInt(pad)) return [pad, pad, pad, pad];
  if (rules.shortExplicitPad && isPadPairs(pad, 2)) return [pad[0][0], pad[0][1], pad[1][0], pad[1][1]];
  if (isPadPairs(pad, 4)) {
    if (pad[0][0] === 0 && pad[0][1] === 0 && pad[3][0] === 0 && pad[3][1] === 0) {
      return [pad[1][0], pad[1][1], pad[2][0], pad[2][1]];
    }
    throw new Error(
      `pad: a 4-pair explicit pad [[0, 0], [top, bottom], [left, right], [0, 0]] must not pad the batch or the channels, but got batch pair ${show(pad[0])} and channel pair ${show(pad[3])}`,
    );
  }
  const forms = rules.shortExplicitPad
    ? "'valid', 'same', a non-negative integer, [[top, bottom], [left, right]] or [[0, 0], [top, bottom], [left, right], [0, 0]]"
    : "'valid', 'same', a non-negative integer or [[0, 0], [top, bottom], [left, right], [0, 0]]";
  throw new Error(`pad: expected ${forms} of non-negative integers, but got ${show(pad)}`);
}

/**
 * Validates shapes and options and computes the output geometry exactly as tf.conv2d does
 * ('same': out = ceil(in / stride), the extra padding going to the bottom / right). The one parser
 * of convolution arguments: the op, the layers (through the op), the kernels ({@link infoFromAttrs})
 * and the conv primitives (with {@link TF_CONV2D_RULES}) all use it.
 *
 * @param options The geometry options; keys other than {@link SemifieldConv2dOptions}' are errors.
 * @param opName Named in option-level errors.
 * @param rules Which argument forms are accepted (default: the op's).
 */
export function computeSemifieldConvInfo(
  xShape: readonly number[],
  filterShape: readonly number[],
  options: SemifieldConv2dOptions = {},
  opName = 'semifieldConv2d',
  rules: Readonly<ConvArgumentRules> = SEMIFIELD_CONV_RULES,
): SemifieldConvInfo {
  if (options == null || typeof options !== 'object') {
    throw new Error(`${opName}: options must be an object, but got ${show(options)}`);
  }
  const known = new Set(['strides', 'pad', 'dilations', 'groups', 'kind', 'implementation']);
  for (const key of Object.keys(options)) {
    if (!known.has(key))
      throw new Error(`${opName}: unknown option '${key}'; expected one of ${[...known].join(', ')}`);
  }
  if (xShape.length !== 4)
    throw new Error(`x: expected a rank-4 tensor [batch, height, width, channels], but got shape [${xShape}]`);
  if (filterShape.length !== 4) {
    throw new Error(
      `filter: expected a rank-4 tensor [filterHeight, filterWidth, inChannels / groups, outChannels], but got shape [${filterShape}]`,
    );
  }
  if (!rules.emptyBatch && !xShape.every(isPositiveInt)) {
    throw new Error(`x: every dimension must be at least 1, but got shape [${xShape}]`);
  }
  // A batch of 0 images is allowed (tf.conv2d returns an empty [0, OH, OW, C] tensor); the image
  // and channel dimensions must be at least 1.
  if (!isNonNegativeInt(xShape[0]) || !xShape.slice(1).every(isPositiveInt)) {
    throw new Error(
      `x: the batch must be a non-negative integer and every other dimension at least 1, but got shape [${xShape}]`,
    );
  }
  if (!filterShape.every(isPositiveInt))
    throw new Error(`filter: every dimension must be at least 1, but got shape [${filterShape}]`);
  const [batch, inHeight, inWidth, inChannels] = xShape;
  const [filterHeight, filterWidth, filterIn, outChannels] = filterShape;
  const [strideHeight, strideWidth] = parsePair(options.strides, 'strides', 1);
  // tf.conv2d accepts dilations: null for the default.
  const [dilationHeight, dilationWidth] = parsePair(options.dilations ?? undefined, 'dilations', 1);
  const groups = options.groups ?? 1;
  if (!isPositiveInt(groups)) throw new Error(`groups: expected a positive integer, but got ${show(groups)}`);
  if (inChannels % groups !== 0) {
    throw new Error(`groups: must divide the input channels (x.shape[3] = ${inChannels}), but got ${groups}`);
  }
  if (outChannels % groups !== 0) {
    throw new Error(`groups: must divide the output channels (filter.shape[3] = ${outChannels}), but got ${groups}`);
  }
  if (filterIn !== inChannels / groups) {
    const expected =
      groups === 1
        ? `the input channels x.shape[3] = ${inChannels}`
        : `input channels / groups = ${inChannels} / ${groups} = ${inChannels / groups}`;
    throw new Error(
      `filter: filter.shape[2] must equal ${expected}, but got ${filterIn} (filter shape [${filterShape}])`,
    );
  }
  if (
    !rules.stridesWithDilations &&
    (strideHeight > 1 || strideWidth > 1) &&
    (dilationHeight > 1 || dilationWidth > 1)
  ) {
    throw new Error(
      `strides: tf.conv2d does not allow strides > 1 together with dilations > 1, but got strides ${show(options.strides)} and dilations ${show(options.dilations)}`,
    );
  }
  const effH = (filterHeight - 1) * dilationHeight + 1;
  const effW = (filterWidth - 1) * dilationWidth + 1;
  const pad = options.pad === undefined || (options.pad === null && rules.nullPad) ? 'valid' : options.pad;
  const parsed = parsePad(pad, rules);
  let padTop: number, padBottom: number, padLeft: number, padRight: number;
  if (parsed === 'same') {
    const outH = Math.ceil(inHeight / strideHeight);
    const outW = Math.ceil(inWidth / strideWidth);
    const alongH = Math.max(0, (outH - 1) * strideHeight + effH - inHeight);
    const alongW = Math.max(0, (outW - 1) * strideWidth + effW - inWidth);
    padTop = Math.floor(alongH / 2);
    padBottom = alongH - padTop;
    padLeft = Math.floor(alongW / 2);
    padRight = alongW - padLeft;
  } else {
    [padTop, padBottom, padLeft, padRight] = parsed;
  }
  const outHeight = Math.floor((inHeight + padTop + padBottom - effH) / strideHeight) + 1;
  const outWidth = Math.floor((inWidth + padLeft + padRight - effW) / strideWidth) + 1;
  if (outHeight < 1 || outWidth < 1) {
    throw new Error(
      `x: the padded input (${inHeight + padTop + padBottom}×${inWidth + padLeft + padRight}) is smaller than the dilated filter (${effH}×${effW}) with pad ${show(pad)}; the output would be empty`,
    );
  }
  return {
    batch,
    inHeight,
    inWidth,
    inChannels,
    outHeight,
    outWidth,
    outChannels,
    filterHeight,
    filterWidth,
    groups,
    inChannelsPerGroup: inChannels / groups,
    outChannelsPerGroup: outChannels / groups,
    strideHeight,
    strideWidth,
    dilationHeight,
    dilationWidth,
    padTop,
    padBottom,
    padLeft,
    padRight,
  };
}

/** Kernel attributes for a resolved semifield key and geometry. */
export function convAttrs(semifieldKey: string, info: SemifieldConvInfo): SemifieldConvAttrs {
  return {
    semifield: semifieldKey,
    strides: [info.strideHeight, info.strideWidth],
    dilations: [info.dilationHeight, info.dilationWidth],
    pad: [info.padTop, info.padBottom, info.padLeft, info.padRight],
    groups: info.groups,
  };
}

/** Recompute the geometry inside a kernel from its input shapes and attributes. */
export function infoFromAttrs(
  xShape: readonly number[],
  filterShape: readonly number[],
  attrs: SemifieldConvAttrs,
): SemifieldConvInfo {
  const [t, b, l, r] = attrs.pad;
  return computeSemifieldConvInfo(xShape, filterShape, {
    strides: attrs.strides,
    dilations: attrs.dilations,
    pad: [
      [t, b],
      [l, r],
    ],
    groups: attrs.groups,
  });
}
