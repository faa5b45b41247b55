import * as tf from '@tensorflow/tfjs';
import {expect} from 'chai';
import {SEMIFIELD_CONV2D_KERNEL, semifieldConv2d} from '../../index.js';

import {
  allCases,
  caseData,
  maxRelError,
  probeCoords,
  upstreamFor,
  type CaseSemifield,
  type ConvCase,
} from '../reference/cases.js';
import {normal} from '../reference/random.js';
import {filterSliceCases, factorisedCases, mmCases, negativeRootCases} from '../reference/webgpu_cases.js';
import {MM_TILE_CANDIDATES, mmTileKey} from '../../kernels/webgpu/semifield_conv2d_mm_webgpu.js';
import {setWebGPUFlags, resetWebGPUFlags} from '../../kernels/webgpu/flags.js';
import {finiteDifferenceGrad, referenceConv2d, referenceConv2dGrads} from '../reference/reference.js';
import {runCase} from './helpers.js';
import {initWebGPUForTests, runCaseAsync} from './webgpu_helpers.js';

/*
 * The shared case matrix on tfjs's WebGPU backend in Node, through Dawn (the `webgpu` package) on
 * whatever Vulkan driver initNodeWebGPU finds — SwiftShader from chromium-common on CI. A missing
 * adapter fails the `before` hook with initNodeWebGPU's message (what to install); nothing skips.
 *
 * Per case: forward vs the float64 reference (1e-4, docs/design.md §5 GPU tolerance); provenance of
 * selection semifields identical to the CPU kernel's; dx and dw vs the CPU kernels on every entry
 * and vs central finite differences of the reference on probed entries.
 */
const FORWARD_TOL = 1e-4;
const GRAD_VS_CPU_TOL = 1e-4;
const GRAD_VS_FD_TOL = 5e-4;

interface CpuResult {
  dx: Float32Array;
  dw: Float32Array;
  provenance: Int32Array | null;
}

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

async function provenanceOf(c: ConvCase): Promise<Int32Array | null> {
  if (c.ref.name !== 'maxplus' && c.ref.name !== 'minplus') return null;
  const x = tf.tensor4d(c.x, c.xShape as [number, number, number, number]);
  const w = tf.tensor4d(c.w, c.wShape as [number, number, number, number]);
  const outs = tf
    .engine()
    .runKernel(SEMIFIELD_CONV2D_KERNEL, {x, filter: w} as never, kernelAttrs(c) as never) as unknown as tf.Tensor[];
  const prov = (await outs[1].data()) as Int32Array;
  tf.dispose([x, w, ...outs]);
  return prov.slice();
}

describe('webgpu (Node, Dawn): fused kernels vs the float64 reference and the CPU kernels', function () {
  this.timeout(240000);
  const cases = allCases();
  const cpu = new Map<number, CpuResult>();

  before(async function () {
    // The CPU results first, on cpu; then the GPU.
    await tf.setBackend('cpu');
    for (const [index, c] of cases.entries()) {
      const got = runCase(c, 'fused', upstreamFor(refSize(c), index));
      cpu.set(index, {dx: got.dx as Float32Array, dw: got.dw as Float32Array, provenance: await provenanceOf(c)});
    }
    const info = await initWebGPUForTests();
    expect(tf.getBackend()).to.equal('webgpu');
    console.log(`      webgpu adapter: ${JSON.stringify(info.adapter)} (icd: ${info.icd ?? 'system'})`);
  });
  after(async () => {
    await tf.setBackend('cpu');
  });

  it('has the fused kernels registered for webgpu', () => {
    for (const name of ['SemifieldConv2D', 'SemifieldConv2DBackpropInput', 'SemifieldConv2DBackpropFilter']) {
      expect(tf.getKernel(name, 'webgpu'), name).to.not.equal(undefined);
    }
  });

  cases.forEach((c, index) => {
    it(c.name, async () => {
      expect(tf.getBackend()).to.equal('webgpu');
      const before = tf.memory().numTensors;
      const ref = referenceConv2d(c.x, c.xShape, c.w, c.wShape, c.ref, c.geometry);
      const upstream = upstreamFor(ref.y.length, index);
      const got = await runCaseAsync(c, 'fused', upstream);
      expect(got.yShape).to.deep.equal(ref.shape);
      const err = maxRelError(got.y, ref.y);
      expect(err, `forward error ${err}`).to.be.at.most(FORWARD_TOL);
      const expected = cpu.get(index)!;
      if (expected.provenance != null) {
        const prov = (await provenanceOf(c))!;
        expect(Array.from(prov), 'provenance vs the CPU kernel').to.deep.equal(Array.from(expected.provenance));
      }
      expect(maxRelError(got.dx, expected.dx), 'dx vs CPU kernel').to.be.at.most(GRAD_VS_CPU_TOL);
      expect(maxRelError(got.dw, expected.dw), 'dw vs CPU kernel').to.be.at.most(GRAD_VS_CPU_TOL);
      if (index % 4 === 0) {
        for (const which of ['x', 'w'] as const) {
          const n = which === 'x' ? c.x.length : c.w.length;
          const coords = probeCoords(n, 12, index);
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
      expect(tf.memory().numTensors, 'no leaked tensors').to.equal(before);
    });
  });
});

function refSize(c: ConvCase): number {
  return referenceConv2d(c.x, c.xShape, c.w, c.wShape, c.ref, c.geometry).y.length;
}

async function forwardOnGpu(c: ConvCase): Promise<{y: Float32Array; prov: Int32Array | null}> {
  const x = tf.tensor4d(c.x, c.xShape as [number, number, number, number]);
  const w = tf.tensor4d(c.w, c.wShape as [number, number, number, number]);
  const outs = tf
    .engine()
    .runKernel(SEMIFIELD_CONV2D_KERNEL, {x, filter: w} as never, kernelAttrs(c) as never) as unknown as tf.Tensor[];
  const y = (await outs[0].data()) as Float32Array;
  const prov = outs.length > 1 ? ((await outs[1].data()) as Int32Array) : null;
  tf.dispose([x, w, ...outs]);
  return {y, prov};
}

/**
 * The direct forward program at 8 pixels per invocation (a tuner candidate; the small images of
 * the matrix otherwise run it at 4): the whole matrix, plus wide-channel cases with integer data so
 * that ties are everywhere and the provenance tie rule (first in scan order) is exercised.
 */
describe('webgpu (Node, Dawn): the direct forward program at 8 pixels, forced', function () {
  this.timeout(240000);
  const cases = allCases();
  const wide: ConvCase[] = [];
  const wideSemifields: CaseSemifield[] = ['maxplus', 'minplus', 'log', 'linear'];
  wideSemifields.forEach((semifield, s) => {
    const xShape = [1, 9, 10, 40];
    const {wShape} = caseData(semifield, 1, xShape, [5, 5], 1);
    const ints = (n: number, seed: number) => Float32Array.from(normal(n, seed), (v) => Math.round(v * 1.5));
    const x = ints(9 * 10 * 40, 11 + s);
    const w = ints(
      wShape.reduce((a, b) => a * b, 1),
      23 + s,
    );
    wide.push({
      name: `${typeof semifield === 'string' ? semifield : semifield.name} | 40 channels | integer data (ties)`,
      semifield,
      ref: typeof semifield === 'string' ? {name: semifield, mu: 1, p: 2} : {name: 'log', mu: 1},
      options: {strides: [1, 1], dilations: [1, 1], pad: 'same', groups: 1},
      geometry: {strides: [1, 1], dilations: [1, 1], pad: [2, 2, 2, 2], groups: 1},
      xShape,
      wShape,
      x,
      w,
    });
  });
  const cpuProv = new Map<ConvCase, Int32Array | null>();

  before(async () => {
    await tf.setBackend('cpu');
    for (const c of [...cases, ...wide]) cpuProv.set(c, await provenanceOf(c));
    await initWebGPUForTests();
    setWebGPUFlags({SEMIFIELD_WEBGPU_FORWARD_PROGRAM: 'direct', SEMIFIELD_WEBGPU_FORWARD_PIXELS: 8});
  });
  after(async () => {
    resetWebGPUFlags();
    await tf.setBackend('cpu');
  });

  for (const c of [...cases, ...wide]) {
    it(c.name, async () => {
      const ref = referenceConv2d(c.x, c.xShape, c.w, c.wShape, c.ref, c.geometry);
      const got = await forwardOnGpu(c);
      expect(maxRelError(got.y, ref.y), 'y vs float64 reference').to.be.at.most(FORWARD_TOL);
      const expected = cpuProv.get(c)!;
      if (expected != null)
        expect(Array.from(got.prov!), 'provenance vs the CPU kernel').to.deep.equal(Array.from(expected));
    });
  }
});

/**
 * The factorised forward program (log, root p > 0), which 'auto' runs when groups have several
 * output channels: forced here on every log / root case of the matrix (depthwise included), on
 * mixed-sign root data (both sign parts of the factorisation), on inputs whose anchors lie far
 * above every term so that the factorised sum underflows and outputs fall back to the exact online
 * sum, on anchors just close enough for the fast path (its cancellation), and on non-finite inputs,
 * which must give exactly what the direct program (the online sum) gives.
 */
describe('webgpu (Node, Dawn): the factorised forward program, forced', function () {
  this.timeout(240000);
  const matrix = allCases().filter((c) => c.ref.name === 'log' || (c.ref.name === 'root' && (c.ref.p ?? 2) > 0));
  const extra = factorisedCases();

  before(async () => {
    await initWebGPUForTests();
  });
  afterEach(() => resetWebGPUFlags());
  after(async () => {
    await tf.setBackend('cpu');
  });

  for (const c of [...matrix, ...extra.finite]) {
    it(c.name, async () => {
      const ref = referenceConv2d(c.x, c.xShape, c.w, c.wShape, c.ref, c.geometry);
      setWebGPUFlags({SEMIFIELD_WEBGPU_FORWARD_PROGRAM: 'factorised'});
      const got = await forwardOnGpu(c);
      expect(maxRelError(got.y, ref.y), 'y vs float64 reference').to.be.at.most(FORWARD_TOL);
    });
  }
  for (const c of extra.nonFinite) {
    it(c.name, async () => {
      setWebGPUFlags({SEMIFIELD_WEBGPU_FORWARD_PROGRAM: 'direct'});
      const online = (await forwardOnGpu(c)).y;
      setWebGPUFlags({SEMIFIELD_WEBGPU_FORWARD_PROGRAM: 'factorised'});
      const got = (await forwardOnGpu(c)).y;
      let nonFinite = 0;
      online.forEach((v, k) => {
        if (Number.isFinite(v)) {
          expect(Math.abs(got[k] - v), `y[${k}]: ${got[k]} vs the online sum's ${v}`).to.be.at.most(
            FORWARD_TOL * Math.max(1, Math.abs(v)),
          );
        } else {
          nonFinite++;
          expect(String(got[k]), `y[${k}]`).to.equal(String(v));
        }
      });
      expect(nonFinite, 'the case has non-finite outputs').to.be.greaterThan(0);
    });
  }
});

/**
 * dL/dfilter sums per (slice of output rows, block of filter entries) and then over the slices.
 * The matrix's images are small enough for one row per slice and its channel counts fill whole
 * blocks; these layers have slices of several rows with a partial last one, and partial 4-channel
 * blocks (6 and 3 channels per group). Gradients vs the CPU kernels.
 */
describe('webgpu (Node, Dawn): dL/dfilter over row slices', function () {
  this.timeout(240000);
  const cases = filterSliceCases();
  const cpu = new Map<ConvCase, {dx: Float32Array; dw: Float32Array}>();

  before(async () => {
    await tf.setBackend('cpu');
    cases.forEach((c, n) => {
      const got = runCase(c, 'fused', upstreamFor(refSize(c), n));
      cpu.set(c, {dx: got.dx as Float32Array, dw: got.dw as Float32Array});
    });
    await initWebGPUForTests();
  });
  after(async () => {
    await tf.setBackend('cpu');
  });

  cases.forEach((c, n) => {
    it(c.name, async () => {
      const got = await runCaseAsync(c, 'fused', upstreamFor(refSize(c), n));
      expect(maxRelError(got.dw, cpu.get(c)!.dw), 'dw vs CPU kernel').to.be.at.most(GRAD_VS_CPU_TOL);
      expect(maxRelError(got.dx, cpu.get(c)!.dx), 'dx vs CPU kernel').to.be.at.most(GRAD_VS_CPU_TOL);
    });
    // The hardware GPU choices: the parallel slice sum, and the slice counts of 262144 invocations
    // (every output row its own slice here), with 8-pixel backprop-input invocations.
    it(`hardware choices (parallel slice sum, 262144 invocations, 8 px) | ${c.name}`, async () => {
      setWebGPUFlags({
        SEMIFIELD_WEBGPU_SLICE_SUM: 'parallel',
        SEMIFIELD_WEBGPU_FILTER_INVOCATIONS: 262144,
        SEMIFIELD_WEBGPU_BACKPROP_INPUT_PIXELS: 8,
      });
      try {
        const got = await runCaseAsync(c, 'fused', upstreamFor(refSize(c), n));
        expect(maxRelError(got.dw, cpu.get(c)!.dw), 'dw vs CPU kernel').to.be.at.most(GRAD_VS_CPU_TOL);
        expect(maxRelError(got.dx, cpu.get(c)!.dx), 'dx vs CPU kernel').to.be.at.most(GRAD_VS_CPU_TOL);
      } finally {
        resetWebGPUFlags();
      }
    });
  });
});

/**
 * The factorised backward (log, root p ≥ 1; semifield_conv2d_grad_scale_webgpu.ts), forced on every
 * log and root p ≥ 1 case of the matrix (depthwise included) and the factorised cases: groups with
 * several channels and partial blocks, root on mixed signs (both sign parts) and after a ReLU (zero
 * windows and filter channels: R = 0 for y = 0), anchors 30·|μ| from y (the fast path, scale e^30)
 * and 300·|μ| (scale overflow: the exact path must take those outputs — with it disabled these
 * cases fail; root: X·W 1e12 above the terms, scale 1e12 for p = 2, overflowing for p = 5). dx, dw vs the CPU
 * kernels. Non-finite operands: the same gradients as the unfactorised programs (bit for bit where
 * not finite).
 */
/**
 * The far-anchor cases with anchors 88·|μ| from y: the scale e^{88} ≈ 1.7e38 is still finite, but
 * the factor products of the dominant terms (≈ e^{-88}) are denormal and the pre-multiplied partial
 * sums overflow, so only grad.maxScale sends these outputs to the exact path (an e^{300} scale
 * overflows and is caught by the finiteness test anyway).
 */
function scaleLimitCases(finite: ConvCase[]): ConvCase[] {
  return finite
    .filter((c) => c.name.includes('anchors 30·mu'))
    .map((c) => {
      const mu = (c.ref as {mu: number}).mu;
      const x = c.x.slice();
      const w = c.w.slice();
      const cin = c.xShape[3];
      for (let e = 0; e < x.length; e += cin) x[e] += 58 * mu;
      for (let e = 0; e < w.length; e++) if (Math.floor(e / c.wShape[3]) % cin === 1) w[e] += 58 * mu;
      return {
        ...c,
        name: c.name.replace('30·mu above every term (fast path)', '88·mu above every term (scale limit: exact path)'),
        x,
        w,
      };
    });
}

/** Log, and root with p ≥ 1 (below, (|x|/X)^{p−1} is unbounded and the backward stays per-term). */
function hasFactorisedGradient(c: ConvCase): boolean {
  return c.ref.name === 'log' || (c.ref.name === 'root' && (c.ref as {p: number}).p >= 1);
}

describe('webgpu (Node, Dawn): the factorised backward, forced', function () {
  this.timeout(240000);
  const extra = factorisedCases();
  const cases = [...allCases(), ...extra.finite, ...scaleLimitCases(extra.finite)].filter(hasFactorisedGradient);
  const cpu = new Map<ConvCase, {dx: Float32Array; dw: Float32Array}>();

  before(async () => {
    await tf.setBackend('cpu');
    cases.forEach((c, n) => {
      const got = runCase(c, 'fused', upstreamFor(refSize(c), n));
      cpu.set(c, {dx: got.dx as Float32Array, dw: got.dw as Float32Array});
    });
    await initWebGPUForTests();
  });
  afterEach(() => setWebGPUFlags({SEMIFIELD_WEBGPU_FACTORISED_BACKWARD: 'auto'}));
  after(async () => {
    await tf.setBackend('cpu');
  });

  cases.forEach((c, n) => {
    it(c.name, async () => {
      const upstream = upstreamFor(refSize(c), n);
      setWebGPUFlags({SEMIFIELD_WEBGPU_FACTORISED_BACKWARD: 'never'});
      const perTerm = await runCaseAsync(c, 'fused', upstream);
      setWebGPUFlags({SEMIFIELD_WEBGPU_FACTORISED_BACKWARD: 'always'});
      const got = await runCaseAsync(c, 'fused', upstream);
      for (const which of ['dx', 'dw'] as const) {
        // The far-anchor cases are ill-conditioned in y (log: ∂y/∂t = e^{(t−y)/μ} with y ≈ 30 and
        // μ = 0.1 turns y's float32 rounding into 2e-5 per term): there the per-term program itself
        // misses the CPU kernel by up to ~2e-3 depending on dy, and the factorised one must not be
        // measurably worse than it. Elsewhere both are within GRAD_VS_CPU_TOL.
        const perTermError = maxRelError(perTerm[which], cpu.get(c)![which]);
        const tol = Math.max(GRAD_VS_CPU_TOL, 1.5 * perTermError + 1e-5);
        expect(
          maxRelError(got[which], cpu.get(c)![which]),
          `${which} vs CPU kernel (per-term program: ${perTermError})`,
        ).to.be.at.most(tol);
      }
    });
  });
  for (const c of extra.nonFinite.filter(hasFactorisedGradient)) {
    it(c.name, async () => {
      const upstream = upstreamFor(refSize(c), 3);
      setWebGPUFlags({SEMIFIELD_WEBGPU_FACTORISED_BACKWARD: 'never'});
      const perTerm = await runCaseAsync(c, 'fused', upstream);
      setWebGPUFlags({SEMIFIELD_WEBGPU_FACTORISED_BACKWARD: 'always'});
      const got = await runCaseAsync(c, 'fused', upstream);
      for (const which of ['dx', 'dw'] as const) {
        let nonFinite = 0;
        perTerm[which].forEach((v, k) => {
          if (Number.isFinite(v)) {
            expect(Math.abs(got[which][k] - v), `${which}[${k}]: ${got[which][k]} vs per-term ${v}`).to.be.at.most(
              GRAD_VS_CPU_TOL * Math.max(1, Math.abs(v)),
            );
          } else {
            nonFinite++;
            expect(String(got[which][k]), `${which}[${k}]`).to.equal(String(v));
          }
        });
        expect(nonFinite, `the case has non-finite ${which} entries`).to.be.greaterThan(0);
      }
    });
  }
});

/**
 * Root with p < 0 (issue 13): forward and both gradients vs the float64 reference and vs the CPU
 * kernels, with several channels, groups, strides together with dilations and explicit pads.
 */
describe('webgpu (Node, Dawn): root p < 0 forward and gradients', function () {
  this.timeout(240000);
  const cases = negativeRootCases();
  const cpu = new Map<ConvCase, {dx: Float32Array; dw: Float32Array}>();

  before(async () => {
    await tf.setBackend('cpu');
    cases.forEach((c, n) => {
      const got = runCase(c, 'fused', upstreamFor(refSize(c), n));
      cpu.set(c, {dx: got.dx as Float32Array, dw: got.dw as Float32Array});
    });
    await initWebGPUForTests();
  });
  after(async () => {
    await tf.setBackend('cpu');
  });

  cases.forEach((c, n) => {
    it(c.name, async () => {
      const upstream = upstreamFor(refSize(c), n);
      const got = await runCaseAsync(c, 'fused', upstream);
      const ref = referenceConv2d(c.x, c.xShape, c.w, c.wShape, c.ref, c.geometry);
      const grads = referenceConv2dGrads(c.x, c.xShape, c.w, c.wShape, c.ref, c.geometry, upstream);
      expect(maxRelError(got.y, ref.y), 'y vs float64').to.be.at.most(FORWARD_TOL);
      expect(maxRelError(got.dx, grads.dx), 'dx vs float64').to.be.at.most(GRAD_VS_CPU_TOL);
      expect(maxRelError(got.dw, grads.dw), 'dw vs float64').to.be.at.most(GRAD_VS_CPU_TOL);
      expect(maxRelError(got.dx, cpu.get(c)!.dx), 'dx vs CPU kernel').to.be.at.most(GRAD_VS_CPU_TOL);
      expect(maxRelError(got.dw, cpu.get(c)!.dw), 'dw vs CPU kernel').to.be.at.most(GRAD_VS_CPU_TOL);
    });
  });
});

/**
 * The implicit-GEMM forward program ('auto' on hardware GPUs for groups of ≥ 4 output channels),
 * forced: the whole matrix with the default tile for its channel count, and for every tile the
 * tuner and benchmarks may pick, layers with partial pixel and channel tiles, groups, strides with
 * dilations, integer data (ties: the provenance must equal the CPU kernel's), and a linear filter
 * with ±∞ entries on border taps. y vs float64.
 */
describe('webgpu (Node, Dawn): the implicit-GEMM forward program, forced', function () {
  this.timeout(480000);
  const matrix = allCases();
  const extra = mmCases();
  const cpuProv = new Map<ConvCase, Int32Array | null>();

  before(async () => {
    await tf.setBackend('cpu');
    for (const c of [...matrix, ...extra]) cpuProv.set(c, await provenanceOf(c));
    await initWebGPUForTests();
  });
  afterEach(() => resetWebGPUFlags());
  after(async () => {
    await tf.setBackend('cpu');
  });

  const check = async (c: ConvCase) => {
    const ref = referenceConv2d(c.x, c.xShape, c.w, c.wShape, c.ref, c.geometry);
    const got = await forwardOnGpu(c);
    expect(maxRelError(got.y, ref.y), 'y vs float64 reference').to.be.at.most(FORWARD_TOL);
    const expected = cpuProv.get(c)!;
    if (expected != null) {
      expect(Array.from(got.prov!), 'provenance vs the CPU kernel').to.deep.equal(Array.from(expected));
      // Outside a gradient tape the op asks for y alone (provenance: false): the program writes the
      // selected term itself.
      const y = tf.tidy(() =>
        semifieldConv2d(
          tf.tensor4d(c.x, c.xShape as [number, number, number, number]),
          tf.tensor4d(c.w, c.wShape as [number, number, number, number]),
          c.semifield,
          c.options,
        ),
      );
      const yValues = await y.data();
      y.dispose();
      expect(maxRelError(yValues, ref.y), 'y without provenance vs float64 reference').to.be.at.most(FORWARD_TOL);
    }
  };
  for (const c of matrix) {
    it(`default tile | ${c.name}`, async () => {
      setWebGPUFlags({SEMIFIELD_WEBGPU_FORWARD_PROGRAM: 'mm'});
      await check(c);
    });
  }
  for (const tile of MM_TILE_CANDIDATES) {
    for (const c of extra) {
      it(`tile ${mmTileKey(tile)} | ${c.name}`, async () => {
        setWebGPUFlags({SEMIFIELD_WEBGPU_FORWARD_PROGRAM: 'mm', SEMIFIELD_WEBGPU_MM_TILE: mmTileKey(tile)});
        await check(c);
      });
    }
  }
});
