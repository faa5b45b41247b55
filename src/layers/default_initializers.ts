/*
 * Default initialisers per semifield. A semifield layer is only "drop-in" if it trains out of the
 * box, and the right starting point depends on what ⊕ and ⊗ are, so the defaults are chosen here in
 * one place (and documented on the layers).
 */
import {initializers} from '@tensorflow/tfjs-layers';
import type {Semifield} from '../semifields/types.js';
import type {Initializer} from './layer_args.js';

/**
 * The kernel initialiser a {@link SemifieldConv2D} uses when none is given.
 *
 * - linear: Glorot-uniform, exactly what `tf.layers.conv2d` uses.
 * - maxplus / minplus (⊗ = +): uniform in [−0.1, 0.1]. A kernel near 𝟙 = 0 starts the layer as a
 *   flat max / min filter over its window, which passes a constant input through unchanged; the
 *   small spread breaks the symmetry between output channels (with an exactly constant kernel,
 *   selection semifields would route every gradient to the same tap and the channels would never
 *   differ). Scale-based initialisers such as Glorot make no sense here: an additive kernel shifts
 *   values instead of scaling them.
 * - log μ (⊗ = +): −μ·log(n) + uniform [−0.1, 0.1]. Log-sum-exp over n equal terms adds μ·log n,
 *   so a kernel at 0 would start every output shifted by that much (2.1 for μ = 0.5 over a 3×3×8
 *   window) and squeeze the signal into a narrow band on top of it; the offset makes the layer
 *   start as a "log-mean-exp" that passes a constant input through unchanged, like max-plus.
 * - root (⊗ = ·, domain ≥ 0): positive, uniform in [0.5, 1.5]·n^(−1/|p|) with n the fan-in
 *   (kh·kw·Cin/groups). Negative products fall outside the domain and are clamped to 0 (no
 *   gradient), so a positive kernel keeps every term alive; the n^(−1/|p|) factor keeps the
 *   p-norm of a window of unit inputs near 1, so stacked layers neither blow up nor vanish.
 *
 * @example
 * import {getSemifield} from 'tfjs-semifield';
 * import {defaultSemifieldKernelInitializer} from 'tfjs-semifield/layers';
 * const init = defaultSemifieldKernelInitializer(getSemifield({name: 'log', mu: 0.5}), 3 * 3 * 8, 42);
 * const kernel = init.apply([3, 3, 8, 16]); // values around −0.5·log(72) ≈ −2.14
 */
export function defaultSemifieldKernelInitializer(sf: Semifield, fanIn: number, seed?: number): Initializer {
  switch (sf.config.name) {
    case 'linear':
      return initializers.glorotUniform({seed});
    case 'root': {
      const scale = Math.pow(fanIn, -1 / Math.abs(sf.config.p));
      return initializers.randomUniform({minval: 0.5 * scale, maxval: 1.5 * scale, seed});
    }
    case 'log': {
      const offset = -sf.config.mu * Math.log(fanIn);
      return initializers.randomUniform({minval: offset - 0.1, maxval: offset + 0.1, seed});
    }
    default:
      return initializers.randomUniform({minval: -0.1, maxval: 0.1, seed});
  }
}

/**
 * The bias starts at 𝟙 (0 when ⊗ is +, 1 when ⊗ is ·), so an untrained bias changes nothing.
 *
 * @example
 * import {getSemifield} from 'tfjs-semifield';
 * import {defaultSemifieldBiasInitializer} from 'tfjs-semifield/layers';
 * defaultSemifieldBiasInitializer(getSemifield('root')).apply([4]); // [1, 1, 1, 1]
 */
export function defaultSemifieldBiasInitializer(sf: Semifield): Initializer {
  return sf.multiplicative ? initializers.ones() : initializers.zeros();
}
