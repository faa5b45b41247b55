import type {KernelFunc, TensorInfo} from '@tensorflow/tfjs-core';
import type {SemifieldBackpropInputs} from '../../src/ops/kernel_names.js';
import {type CpuBackendLike, kernelSetup, selectedInput, values} from './cpu_util.js';
import {invertibleBackward} from './invertible_backward.js';
import {logConvBackprop} from './log_factorised.js';

/*
 * The body of both CPU backprop kernels (SemifieldConv2DBackpropInput.ts, …Filter.ts), which
 * differ only in the gradient they return.
 *
 * - Selection semifields: each upstream gradient goes to the one term its provenance names — to
 *   that term's input entry for dL/dx, to its filter entry for dL/dfilter (times the other operand
 *   when ⊗ is a product). One pass over the outputs.
 * - log(μ) with finite operands: the factorised passes of log_factorised.ts (one exp per term).
 * - Other invertible semifields: every term recomputed and weighted by ∂y/∂t
 *   (invertible_backward.ts); nothing from the forward pass but y is needed.
 *
 * dL/dfilter sums in float64 (each entry collects B·OH·OW contributions), then rounds to float32.
 */
export function semifieldConv2DBackpropCpu(wrt: 'input' | 'filter'): KernelFunc {
  return ({inputs, backend, attrs}) => {
    const cpu = backend as unknown as CpuBackendLike;
    const {dy, x, filter, provenance, y: yInfo} = inputs as SemifieldBackpropInputs<TensorInfo>;
    const {sf, info} = kernelSetup(attrs, x.shape, filter.shape);
    const shape = wrt === 'input' ? x.shape : filter.shape;
    const dyv = values(cpu, dy) as Float32Array;
    const xv = values(cpu, x) as Float32Array;
    const wv = values(cpu, filter) as Float32Array;
    if (sf.config.name === 'log') {
      const y = values(cpu, yInfo!) as Float32Array;
      const fast = logConvBackprop(sf.config.mu, info, {dy: dyv, x: xv, w: wv, y}, wrt);
      if (fast) return cpu.makeTensorInfo(shape, 'float32', fast);
    }
    const dx = wrt === 'input' ? new Float32Array(xv.length) : null;
    const dw = wrt === 'filter' ? new Float64Array(wv.length) : null;
    if (sf.gradientRule === 'selection') {
      const prov = values(cpu, provenance!) as Int32Array;
      const cout = info.outChannels;
      if (dx) {
        for (let n = 0; n < prov.length; n++) {
          const k = prov[n];
          if (k >= 0) dx[selectedInput(n, k, info)] += sf.multiplicative ? dyv[n] * wv[k * cout + (n % cout)] : dyv[n];
        }
      } else {
        for (let n = 0; n < prov.length; n++) {
          const k = prov[n];
          if (k >= 0) dw![k * cout + (n % cout)] += sf.multiplicative ? dyv[n] * xv[selectedInput(n, k, info)] : dyv[n];
        }
      }
    } else {
      invertibleBackward(sf, info, dyv, xv, wv, values(cpu, yInfo!) as Float32Array, dx, dw);
    }
    return cpu.makeTensorInfo(shape, 'float32', dx ?? Float32Array.from(dw!));
  };
}
