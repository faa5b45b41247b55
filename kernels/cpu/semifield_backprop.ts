import type {KernelFunc, TensorInfo} from '@tensorflow/tfjs-core';
import type {SemifieldBackpropInputs} from '../../src/ops/kernel_names.js';
import {type CpuBackendLike, kernelSetup, selectedInputOf, values} from './cpu_util.js';
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
 * dL/dfilter sums in float64 and rounds to float32 at the end (each entry collects B·OH·OW
 * contributions); dL/dx adds into float32 (a few contributions per entry).
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
    if (sf.gradientRule === 'selection') {
      const prov = values(cpu, provenance!) as Int32Array;
      const cout = info.outChannels;
      const inputOf = selectedInputOf(info);
      if (wrt === 'input') {
        const dx = new Float32Array(xv.length);
        for (let n = 0; n < prov.length; n++) {
          const k = prov[n];
          if (k >= 0) dx[inputOf(n, k)] += sf.multiplicative ? dyv[n] * wv[k * cout + (n % cout)] : dyv[n];
        }
        return cpu.makeTensorInfo(shape, 'float32', dx);
      }
      const dw = new Float64Array(wv.length);
      for (let n = 0; n < prov.length; n++) {
        const k = prov[n];
        if (k >= 0) dw[k * cout + (n % cout)] += sf.multiplicative ? dyv[n] * xv[inputOf(n, k)] : dyv[n];
      }
      return cpu.makeTensorInfo(shape, 'float32', Float32Array.from(dw));
    }
    const grad = wrt === 'input' ? new Float32Array(xv.length) : new Float64Array(wv.length);
    invertibleBackward(sf, info, dyv, xv, wv, values(cpu, yInfo!) as Float32Array, grad, wrt);
    return cpu.makeTensorInfo(shape, 'float32', grad instanceof Float32Array ? grad : Float32Array.from(grad));
  };
}
