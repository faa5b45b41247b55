import {infoFromAttrs, type SemifieldConvAttrs, type SemifieldConvInfo} from './conv_info.js';
import {semifieldFromKey} from '../semifields/registry.js';
import type {Semifield} from '../semifields/types.js';

/** What every backend's Semifield* kernel reads first: the semifield its attributes name and the geometry. */
export function kernelSetup(
  attrs: unknown,
  xShape: readonly number[],
  filterShape: readonly number[],
): {sf: Semifield; info: SemifieldConvInfo} {
  const a = attrs as SemifieldConvAttrs;
  return {sf: semifieldFromKey(a.semifield), info: infoFromAttrs(xShape, filterShape, a)};
}
