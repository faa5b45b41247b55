import * as tf from '@tensorflow/tfjs';
import {expect} from 'chai';
import {SEMIFIELD_CONV2D_KERNEL} from '../../index.js';
import {allCases, maxRelError, probeCoords, upstreamFor, type ConvCase} from '../reference/cases.js';
import {finiteDifferenceGrad, referenceConv2d, referenceConv2dGrads} from '../reference/reference.js';
import {filterSliceCases, factorisedCases, mmCases, negativeRootCases} from '../reference/webgpu_cases.js';
import {MM_TILE_CANDIDATES, mmTileKey} from '../../kernels/webgpu/semifield_conv2d_mm_webgpu.js';
import {setWebGPUFlags, resetWebGPUFlags, type WebGPUFlags} from '../../kernels/webgpu/flags.js';
import {onBackend, runCase} from './webgl_helpers.js';
import {useWebGPU} from './webgpu_helpers.js';

/*
 * The shared case matrix on tfjs's WebGPU backend in Chromium (SwiftShader's Vulkan on CI): the
 * same checks as the Node + Dawn suite (test/node/webgpu-conv2d.test.ts). Forward vs the float64
 * reference within 1e-4 (docs/design.md §5); provenance identical to the CPU kernel's; dx and dw vs the
 * CPU kernels everywhere and vs finite differences of the reference on probed entries.
 */
const FORWARD_TOL = 1e-4;
const GRAD_VS_CPU_TOL = 1e-4;
const GRAD_VS_FD_TOL = 5e-4;

function kernelAttrs(c: ConvCase) {
  const sf = c.semifield;
  const config = typeof sf === 'string' ? {name: sf, ...(sf === 'log' ? {mu: 1} : sf === 'root' ? {p: 2} : {})} : sf;
  return {
    semifield: JSON.stringify(config),
    strides: c.geometry.strides,
    dilations: c.geometry.dilations,
    pad: c.geometry.pad,
    groups: c.geometry.groups,
  };
}

async function provenanceOf(c: ConvCase): Promise<number[] | null> {
  if (c.ref.name !== 'maxplus' && c.ref.name !== 'minplus') return null;
  const x = tf.tensor4d(c.x, c.xShape as [number, number, number, number]);
  const w = tf.tensor4d(c.w, c.wShape as [number, number, number, number]);
  const outs = tf
    .engine()
    .runKernel(SEMIFIELD_CONV2D_KERNEL, {x, filter: w} as never, kernelAttrs(c) as never) as unknown as tf.Tensor[];
  const prov = Array.from(await outs[1].data());
  tf.dispose([x, w, ...outs]);
  return prov;
}

describe('webgpu (browser): fused kernels vs the float64 reference and the CPU kernels', function () {
  this.timeout(180000);
  const cases = allCases();

  before(async () => {
    const adapter = await useWebGPU();
    console.log(`webgpu adapter: ${adapter}`);
  });
  after(async () => {
    await tf.setBackend('cpu');
  });

  cases.forEach((c, index) => {
    it(c.name, async () => {
      await tf.setBackend('webgpu');
      const before = tf.memory().numTensors;
      const ref = referenceConv2d(c.x, c.xShape, c.w, c.wShape, c.ref, c.geometry);
      const got = await runCase(c, index);
      const err = maxRelError(got.y, ref.y);
      expect(err, `forward error ${err}`).to.be.at.most(FORWARD_TOL);
      const prov = await provenanceOf(c);
      expect(tf.memory().numTensors, 'no leaked tensors').to.equal(before);
      const onCpu = await onBackend('cpu', async () => ({...(await runCase(c, index)), prov: await provenanceOf(c)}));
      if (prov != null) expect(prov, 'provenance vs the CPU kernel').to.deep.equal(onCpu.prov);
      expect(maxRelError(got.dx, onCpu.dx), 'dx vs CPU kernel').to.be.at.most(GRAD_VS_CPU_TOL);
      expect(maxRelError(got.dw, onCpu.dw), 'dw vs CPU kernel').to.be.at.most(GRAD_VS_CPU_TOL);
      if (index % 4 === 0) {
        const upstream = upstreamFor(ref.y.length, index);
        for (const which of ['x', 'w'] as const) {
          const coords = probeCoords(which === 'x' ? c.x.length : c.w.length, 12, index);
          const fd = finiteDifferenceGrad(c.x, c.xShape, c.w, c.wShape, c.ref, c.geometry, upstream, which, coords);
          const analytic = which === 'x' ? got.dx : got.dw;
          coords.forEach((k, i) => {
            expect(
              Math.abs(analytic[k] - fd[i]),
              `d${which}[${k}]: ${analytic[k]} vs finite difference ${fd[i]}`,
            ).to.be.at.most(GRAD_VS_FD_TOL * Math.max(1, Math.abs(fd[i])));
          });
        }
      }
    });
  });
});

/** The direct forward at 8 pixels per invocation (a tuner candidate; the matrix's small images otherwise get 4). */
describe('webgpu (browser): the direct forward program at 8 pixels, forced', function () {
  this.timeout(180000);
  before(async () => {
    await useWebGPU();
    setWebGPUFlags({SEMIFIELD_WEBGPU_FORWARD_PROGRAM: 'direct', SEMIFIELD_WEBGPU_FORWARD_PIXELS: 8});
  });
  after(async () => {
    resetWebGPUFlags();
    await tf.setBackend('cpu');
  });
  allCases().forEach((c) => {
    it(c.name, async () => {
      await tf.setBackend('webgpu');
      const x = tf.tensor4d(c.x, c.xShape as [number, number, number, number]);
      const w = tf.tensor4d(c.w, c.wShape as [number, number, number, number]);
      const outs = tf
        .engine()
        .runKernel(SEMIFIELD_CONV2D_KERNEL, {x, filter: w} as never, kernelAttrs(c) as never) as unknown as tf.Tensor[];
      const y = await outs[0].data();
      const prov = outs.length > 1 ? Array.from(await outs[1].data()) : null;
      tf.dispose([x, w, ...outs]);
      const ref = referenceConv2d(c.x, c.xShape, c.w, c.wShape, c.ref, c.geometry);
      expect(maxRelError(y, ref.y), 'y vs float64 reference').to.be.at.most(FORWARD_TOL);
      if (prov != null) {
        const cpuProv = await onBackend('cpu', () => provenanceOf(c));
        expect(prov, 'provenance vs the CPU kernel').to.deep.equal(cpuProv);
      }
    });
  });
});

async function forwardY(c: ConvCase): Promise<Float32Array> {
  const x = tf.tensor4d(c.x, c.xShape as [number, number, number, number]);
  const w = tf.tensor4d(c.w, c.wShape as [number, number, number, number]);
  const outs = tf
    .engine()
    .runKernel(SEMIFIELD_CONV2D_KERNEL, {x, filter: w} as never, kernelAttrs(c) as never) as unknown as tf.Tensor[];
  const y = (await outs[0].data()) as Float32Array;
  tf.dispose([x, w, ...outs]);
  return y;
}

/**
 * The factorised forward (log, root p > 0), forced: the matrix's log / root cases, mixed-sign root
 * data, anchors far above every term (exact fallback) and non-finite operands (same as the online
 * sum). Mirrors the Node suite.
 */
describe('webgpu (browser): the factorised forward program, forced', function () {
  this.timeout(180000);
  const matrix = allCases().filter((c) => c.ref.name === 'log' || (c.ref.name === 'root' && (c.ref.p ?? 2) > 0));
  const extra = factorisedCases();
  before(async () => {
    await useWebGPU();
  });
  afterEach(() => resetWebGPUFlags());
  after(async () => {
    await tf.setBackend('cpu');
  });
  [...matrix, ...extra.finite].forEach((c) => {
    it(c.name, async () => {
      await tf.setBackend('webgpu');
      setWebGPUFlags({SEMIFIELD_WEBGPU_FORWARD_PROGRAM: 'factorised'});
      const y = await forwardY(c);
      const ref = referenceConv2d(c.x, c.xShape, c.w, c.wShape, c.ref, c.geometry);
      expect(maxRelError(y, ref.y), 'y vs float64 reference').to.be.at.most(FORWARD_TOL);
    });
  });
  extra.nonFinite.forEach((c) => {
    it(c.name, async () => {
      await tf.setBackend('webgpu');
      setWebGPUFlags({SEMIFIELD_WEBGPU_FORWARD_PROGRAM: 'direct'});
      const online = await forwardY(c);
      setWebGPUFlags({SEMIFIELD_WEBGPU_FORWARD_PROGRAM: 'factorised'});
      const got = await forwardY(c);
      online.forEach((v, k) => {
        if (Number.isFinite(v))
          expect(Math.abs(got[k] - v), `y[${k}]`).to.be.at.most(FORWARD_TOL * Math.max(1, Math.abs(v)));
        else expect(String(got[k]), `y[${k}]`).to.equal(String(v));
      });
    });
  });
});

/** dL/dfilter over several-row slices and partial channel blocks, vs the CPU kernels. Mirrors the Node suite. */
describe('webgpu (browser): dL/dfilter over row slices', function () {
  this.timeout(180000);
  before(async () => {
    await useWebGPU();
  });
  after(async () => {
    await tf.setBackend('cpu');
  });
  filterSliceCases().forEach((c, n) => {
    it(c.name, async () => {
      await tf.setBackend('webgpu');
      const got = await runCase(c, n);
      const onCpu = await onBackend('cpu', () => runCase(c, n));
      expect(maxRelError(got.dw, onCpu.dw), 'dw vs CPU kernel').to.be.at.most(GRAD_VS_CPU_TOL);
      expect(maxRelError(got.dx, onCpu.dx), 'dx vs CPU kernel').to.be.at.most(GRAD_VS_CPU_TOL);
    });
  });
});

/** Root with p < 0 (issue 13): forward and gradients vs float64 and vs the CPU kernels. Mirrors the Node suite. */
describe('webgpu (browser): root p < 0 forward and gradients', function () {
  this.timeout(180000);
  before(async () => {
    await useWebGPU();
  });
  after(async () => {
    await tf.setBackend('cpu');
  });
  negativeRootCases().forEach((c, n) => {
    it(c.name, async () => {
      await tf.setBackend('webgpu');
      const got = await runCase(c, n);
      const ref = referenceConv2d(c.x, c.xShape, c.w, c.wShape, c.ref, c.geometry);
      const grads = referenceConv2dGrads(c.x, c.xShape, c.w, c.wShape, c.ref, c.geometry, upstreamFor(ref.y.length, n));
      expect(maxRelError(got.y, ref.y), 'y vs float64').to.be.at.most(FORWARD_TOL);
      expect(maxRelError(got.dx, grads.dx), 'dx vs float64').to.be.at.most(GRAD_VS_CPU_TOL);
      expect(maxRelError(got.dw, grads.dw), 'dw vs float64').to.be.at.most(GRAD_VS_CPU_TOL);
      const onCpu = await onBackend('cpu', () => runCase(c, n));
      expect(maxRelError(got.dx, onCpu.dx), 'dx vs CPU kernel').to.be.at.most(GRAD_VS_CPU_TOL);
      expect(maxRelError(got.dw, onCpu.dw), 'dw vs CPU kernel').to.be.at.most(GRAD_VS_CPU_TOL);
    });
  });
});

/**
 * The implicit-GEMM forward program, forced: the matrix with the default tile, and every candidate
 * tile on the partial-tile / groups / ties / ±∞ layers. Mirrors the Node suite.
 */
describe('webgpu (browser): the implicit-GEMM forward program, forced', function () {
  this.timeout(300000);
  before(async () => {
    await useWebGPU();
  });
  afterEach(() => resetWebGPUFlags());
  after(async () => {
    await tf.setBackend('cpu');
  });
  const runs: Array<[string, ConvCase, WebGPUFlags]> = [
    // Every fourth case of the matrix (the Node suite runs all of them): the browser suite's time.
    ...allCases()
      .filter((_, i) => i % 4 === 0)
      .map((c): [string, ConvCase, WebGPUFlags] => [
        `default tile | ${c.name}`,
        c,
        {SEMIFIELD_WEBGPU_FORWARD_PROGRAM: 'mm'},
      ]),
    ...MM_TILE_CANDIDATES.flatMap((tile) =>
      mmCases().map((c): [string, ConvCase, WebGPUFlags] => [
        `tile ${mmTileKey(tile)} | ${c.name}`,
        c,
        {SEMIFIELD_WEBGPU_FORWARD_PROGRAM: 'mm', SEMIFIELD_WEBGPU_MM_TILE: mmTileKey(tile)},
      ]),
    ),
  ];
  for (const [name, c, tiling] of runs) {
    it(name, async () => {
      await tf.setBackend('webgpu');
      setWebGPUFlags(tiling);
      const x = tf.tensor4d(c.x, c.xShape as [number, number, number, number]);
      const w = tf.tensor4d(c.w, c.wShape as [number, number, number, number]);
      const outs = tf
        .engine()
        .runKernel(SEMIFIELD_CONV2D_KERNEL, {x, filter: w} as never, kernelAttrs(c) as never) as unknown as tf.Tensor[];
      const y = await outs[0].data();
      const prov = outs.length > 1 ? Array.from(await outs[1].data()) : null;
      tf.dispose([x, w, ...outs]);
      const ref = referenceConv2d(c.x, c.xShape, c.w, c.wShape, c.ref, c.geometry);
      expect(maxRelError(y, ref.y), 'y vs float64 reference').to.be.at.most(FORWARD_TOL);
      if (prov != null) {
        const cpuProv = await onBackend('cpu', () => provenanceOf(c));
        expect(prov, 'provenance vs the CPU kernel').to.deep.equal(cpuProv);
      }
    });
  }
});
