import * as tf from '@tensorflow/tfjs';
import {expect} from 'chai';
import {semifieldConv2d} from '../../index.js';
import {
  backpropFilterChoiceFlags,
  backpropFilterChoiceLabel,
  backpropFilterChoices,
  distinctPrograms,
} from '../../kernels/webgpu/SemifieldConv2DBackpropFilter.js';
import {
  backpropInputChoiceFlags,
  backpropInputChoiceLabel,
  backpropInputChoices,
} from '../../kernels/webgpu/SemifieldConv2DBackpropInput.js';
import {forwardChoiceFlags, forwardChoiceLabel, forwardChoices} from '../../kernels/webgpu/SemifieldConv2D.js';
import {resetWebGPUFlags, setWebGPUFlags, TUNE_FLAG, type WebGPUFlags} from '../../kernels/webgpu/flags.js';
import {clearWebGPUTuning, webgpuTuningResults, webgpuTuningSettled} from '../../kernels/webgpu/tuner.js';
import {kernelSetup, type WebGPUBackendLike} from '../../kernels/webgpu/webgpu_util.js';
import {
  factorisedGradSnippets,
  gradFactorLanes,
  runGradFactorPasses,
} from '../../kernels/webgpu/semifield_conv2d_grad_scale_webgpu.js';
import {factorisedCases} from '../reference/webgpu_cases.js';
import {allCases, maxRelError, upstreamFor, type ConvCase} from '../reference/cases.js';
import {referenceConv2d} from '../reference/reference.js';
import {runCase} from './helpers.js';
import {initWebGPUForTests, runCaseAsync} from './webgpu_helpers.js';

/*
 * The run-time tuner (kernels/webgpu/tuner.ts) and the SEMIFIELD_WEBGPU_* flags (flags.ts).
 *
 * 1. Every candidate the tuner can choose — on a hardware adapter and on SwiftShader — forced
 *    through the flags on layers of every semifield kind (groups, strides with dilations, explicit
 *    pads): y vs the float64 reference, dx and dw vs the CPU kernels.
 * 2. With tuning on, a first call queues jobs for its forward, dL/dx and dL/dfilter keys; once they
 *    settle each key has a timing per candidate and a winner among them, the next call runs the
 *    winner's programs and still agrees with the reference, and no tensor leaks. Flags fix parts of
 *    the choice: the tuner then times only candidates that agree with them.
 * 3. 'auto' does not tune on SwiftShader; bad flag values are errors naming the flag.
 */
const FORWARD_TOL = 1e-4;
const GRAD_VS_CPU_TOL = 1e-4;

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

/** Two layers per semifield kind: groups 1 with strides [2,1] + dilations [1,2], and groups 2 with an explicit pad. */
function tunerCases(): ConvCase[] {
  return allCases().filter(
    (c) =>
      ['maxplus', 'log', 'root', 'linear'].includes(c.semifield as string) &&
      ((c.geometry.groups === 1 && c.name.includes('strides [2,1]') && c.name.includes('"same"')) ||
        (c.geometry.groups === 2 && c.name.includes('stride 1') && c.name.includes('[[1,2],[0,1]]'))),
  );
}

const refSize = (c: ConvCase) => referenceConv2d(c.x, c.xShape, c.w, c.wShape, c.ref, c.geometry).y.length;

describe('webgpu (Node, Dawn): every tuner candidate, forced through the flags', function () {
  this.timeout(600000);
  const cases = tunerCases();
  const cpu = new Map<ConvCase, {dx: Float32Array; dw: Float32Array}>();

  before(async () => {
    expect(cases.length, 'tuner cases').to.equal(8);
    await tf.setBackend('cpu');
    cases.forEach((c, n) => {
      const got = runCase(c, 'fused', upstreamFor(refSize(c), n));
      cpu.set(c, {dx: got.dx as Float32Array, dw: got.dw as Float32Array});
    });
    await initWebGPUForTests();
    tf.env().set(TUNE_FLAG, false);
  });
  afterEach(() => resetWebGPUFlags());
  after(async () => {
    tf.env().set(TUNE_FLAG, 'auto');
    await tf.setBackend('cpu');
  });

  cases.forEach((c, n) => {
    it(c.name, async () => {
      const {sf, info} = kernelSetup(kernelAttrs(c), c.xShape, c.wShape);
      const runs: Array<[string, WebGPUFlags]> = [];
      const seen = new Set<string>();
      for (const swiftShader of [false, true]) {
        for (const f of forwardChoices(sf, info, swiftShader).candidates)
          runs.push([`forward ${forwardChoiceLabel(f)}`, forwardChoiceFlags(f)]);
        for (const d of backpropInputChoices(sf, info, swiftShader).candidates)
          runs.push([`dL/dx ${backpropInputChoiceLabel(d)}`, backpropInputChoiceFlags(d)]);
        const filter = backpropFilterChoices(sf, info, swiftShader);
        for (const d of distinctPrograms(sf, info, filter.fallback, filter.candidates))
          runs.push([`dL/dfilter ${backpropFilterChoiceLabel(d)}`, backpropFilterChoiceFlags(d)]);
      }
      const ref = referenceConv2d(c.x, c.xShape, c.w, c.wShape, c.ref, c.geometry);
      const upstream = upstreamFor(refSize(c), n);
      let ran = 0;
      for (const [label, flags] of runs) {
        if (seen.has(label)) continue;
        seen.add(label);
        resetWebGPUFlags();
        setWebGPUFlags(flags);
        const got = await runCaseAsync(c, 'fused', upstream);
        expect(maxRelError(got.y, ref.y), `${label}: y vs float64 reference`).to.be.at.most(FORWARD_TOL);
        expect(maxRelError(got.dx, cpu.get(c)!.dx), `${label}: dx vs CPU kernel`).to.be.at.most(GRAD_VS_CPU_TOL);
        expect(maxRelError(got.dw, cpu.get(c)!.dw), `${label}: dw vs CPU kernel`).to.be.at.most(GRAD_VS_CPU_TOL);
        ran++;
      }
      // Forward: direct ×2 at least; dL/dx: 3 per-term pixel counts at least.
      expect(ran, 'candidates run').to.be.at.least(6);
    });
  });
});

describe('webgpu (Node, Dawn): the run-time tuner', function () {
  this.timeout(600000);
  let backend: object;
  const programsRun: string[] = [];

  before(async () => {
    await initWebGPUForTests();
    backend = tf.backend();
    // Record which programs run (after the WGSL check installed by initWebGPUForTests).
    const b = backend as unknown as {
      runWebGPUProgram: (p: {constructor: {name: string}}, ...rest: unknown[]) => unknown;
    };
    const run = b.runWebGPUProgram.bind(b);
    b.runWebGPUProgram = (p, ...rest) => {
      programsRun.push(p.constructor.name);
      return run(p, ...rest);
    };
  });
  beforeEach(() => clearWebGPUTuning(backend));
  afterEach(() => {
    resetWebGPUFlags();
    tf.env().set(TUNE_FLAG, 'auto');
  });
  after(async () => {
    await tf.setBackend('cpu');
  });

  const programOf: Record<string, string> = {
    'forward mm': 'SemifieldConv2DMMProgram',
    'forward direct': 'SemifieldConv2DDirectProgram',
    'forward factorised': 'SemifieldConv2DFactorisedProgram',
    'backpropInput perTerm': 'SemifieldConv2DBackpropInputProgram',
    'backpropInput factorised': 'SemifieldConv2DBackpropInputFactorisedProgram',
    'backpropFilter perTerm': 'SemifieldConv2DBackpropFilterSlicedProgram',
    'backpropFilter factorised': 'SemifieldConv2DBackpropFilterFactorisedProgram',
  };

  for (const c of tunerCases().filter((c) => c.geometry.groups === 1)) {
    it(`tunes forward, dL/dx and dL/dfilter, then runs the winners | ${c.name}`, async () => {
      tf.env().set(TUNE_FLAG, true);
      const upstream = upstreamFor(refSize(c), 5);
      const before = tf.memory().numTensors;
      const first = await runCaseAsync(c, 'fused', upstream);
      await webgpuTuningSettled();
      const results = webgpuTuningResults(backend);
      const kinds = [...new Set(results.map((r) => r.key.split('|')[0]))].sort();
      // dL/dfilter has one distinct program where the channel blocks and slice counts collapse.
      const {sf, info} = kernelSetup(kernelAttrs(c), c.xShape, c.wShape);
      const filter = backpropFilterChoices(sf, info, true);
      const filterTuned = distinctPrograms(sf, info, filter.fallback, filter.candidates).length > 1;
      expect(kinds, 'tuned keys').to.deep.equal(
        filterTuned ? ['backpropFilter', 'backpropInput', 'forward'] : ['backpropInput', 'forward'],
      );
      for (const r of results) {
        expect(r.timings.length, `${r.key}: candidates`).to.be.at.least(2);
        expect(
          r.timings.filter((t) => Number.isFinite(t.ms) && t.ms > 0).length,
          `${r.key}: timed candidates`,
        ).to.equal(r.timings.length);
        expect(
          r.timings.map((t) => t.choice),
          `${r.key}: winner among the candidates`,
        ).to.include(r.winner);
        expect(
          r.timings.map((t) => t.choice),
          `${r.key}: default among the candidates`,
        ).to.include(r.fallback);
        const fastest = Math.min(...r.timings.map((t) => t.ms));
        const winnerMs = r.timings.find((t) => t.choice === r.winner)!.ms;
        // The default stays unless a candidate beats it by the margin; otherwise the fastest wins.
        if (r.winner !== r.fallback) expect(winnerMs, `${r.key}: winner is the fastest`).to.equal(fastest);
      }
      programsRun.length = 0;
      const second = await runCaseAsync(c, 'fused', upstream);
      for (const r of results) {
        const kernel = r.key.split('|')[0];
        const program = programOf[`${kernel} ${r.winner.split(' ')[0]}`];
        expect(programsRun, `${kernel}: the winner (${r.winner}) runs`).to.include(program);
      }
      expect(tf.memory().numTensors, 'tensors after tuning').to.equal(before);
      const ref = referenceConv2d(c.x, c.xShape, c.w, c.wShape, c.ref, c.geometry);
      expect(maxRelError(second.y, ref.y), 'y after tuning vs float64').to.be.at.most(FORWARD_TOL);
      expect(maxRelError(second.dx, first.dx), 'dx after tuning vs before').to.be.at.most(GRAD_VS_CPU_TOL);
      expect(maxRelError(second.dw, first.dw), 'dw after tuning vs before').to.be.at.most(GRAD_VS_CPU_TOL);
    });
  }

  it('times only the candidates the flags allow', async () => {
    const c = tunerCases().find((k) => k.semifield === 'log' && k.geometry.groups === 1)!;
    tf.env().set(TUNE_FLAG, true);
    setWebGPUFlags({SEMIFIELD_WEBGPU_FORWARD_PROGRAM: 'direct', SEMIFIELD_WEBGPU_FACTORISED_BACKWARD: 'never'});
    await runCaseAsync(c, 'fused', upstreamFor(refSize(c), 1));
    await webgpuTuningSettled();
    const results = webgpuTuningResults(backend);
    const forward = results.find((r) => r.key.startsWith('forward'))!;
    expect(forward.timings.map((t) => t.choice)).to.deep.equal(['direct 4 px', 'direct 8 px']);
    for (const r of results.filter((k) => !k.key.startsWith('forward'))) {
      for (const t of r.timings) expect(t.choice, r.key).to.match(/^perTerm/);
    }
    // A winner found under these flags is not used once they change.
    resetWebGPUFlags();
    tf.env().set(TUNE_FLAG, false);
    programsRun.length = 0;
    const y = semifieldConv2d(
      tf.tensor4d(c.x, c.xShape as [number, number, number, number]),
      tf.tensor4d(c.w, c.wShape as [number, number, number, number]),
      c.semifield,
      c.options,
    );
    await y.data();
    tf.dispose(y);
    expect(programsRun, 'the default (factorised on SwiftShader) after the flags are reset').to.include(
      'SemifieldConv2DFactorisedProgram',
    );
  });

  it("'auto' does not tune on SwiftShader", async () => {
    const c = tunerCases()[0];
    await runCaseAsync(c, 'fused', upstreamFor(refSize(c), 2));
    await webgpuTuningSettled();
    expect(webgpuTuningResults(backend)).to.deep.equal([]);
  });

  it('rejects bad flag values with the flag, the expectation and the value', () => {
    const bad: Array<[string, unknown, RegExp]> = [
      [
        'SEMIFIELD_WEBGPU_FORWARD_PROGRAM',
        'tiled',
        /SEMIFIELD_WEBGPU_FORWARD_PROGRAM: expected 'auto' \| 'mm' \| 'direct' \| 'factorised', but got 'tiled'/,
      ],
      ['SEMIFIELD_WEBGPU_TUNE', 'yes', /SEMIFIELD_WEBGPU_TUNE: expected 'auto' \| true \| false, but got 'yes'/],
      ['SEMIFIELD_WEBGPU_MM_TILE', '64x64', /SEMIFIELD_WEBGPU_MM_TILE: expected 'auto' or a tile/],
      [
        'SEMIFIELD_WEBGPU_BACKPROP_INPUT_PIXELS',
        0,
        /SEMIFIELD_WEBGPU_BACKPROP_INPUT_PIXELS: expected 'auto' or an integer in \[1, 32\], but got 0/,
      ],
      ['SEMIFIELD_WEBGPU_FILTER_INVOCATIONS', NaN, /but got NaN/],
      ['SEMIFIELD_WEBGPU_FACTORISED_FILTER_BLOCK', '3x5', /'IxO'/],
      ['SEMIFIELD_WEBGPU_SLICE_SUM', 'fast', /'auto' \| 'serial' \| 'parallel'/],
    ];
    for (const [name, value, message] of bad) {
      expect(() => tf.env().set(name, value as never), name).to.throw(message);
      resetWebGPUFlags();
      tf.env().set(TUNE_FLAG, 'auto');
    }
    // A well-formed key that is not a valid tile fails at the call, naming the flag.
    tf.env().set('SEMIFIELD_WEBGPU_FORWARD_PROGRAM', 'mm');
    tf.env().set('SEMIFIELD_WEBGPU_MM_TILE', '64x64_3x4_k16');
    const c = tunerCases()[0];
    const x = tf.tensor4d(c.x, c.xShape as [number, number, number, number]);
    const w = tf.tensor4d(c.w, c.wShape as [number, number, number, number]);
    expect(() => semifieldConv2d(x, w, 'maxplus', c.options)).to.throw(
      /SEMIFIELD_WEBGPU_MM_TILE: expected an implicit-GEMM tile .* but got '64x64_3x4_k16'/,
    );
    tf.dispose([x, w]);
  });
});

/**
 * GradFactorProgram's hardware layout (several invocations per output pixel and group, the exact
 * flag OR-ed through workgroup memory) against the one-invocation layout SwiftShader runs: the same
 * buffer bit for bit — R twice, the anchors and the exact flags — for dL/dx and dL/dfilter, on the
 * factorised cases (groups of 3 channels, partial lane blocks, ±∞ / NaN operands that take the
 * exact path) and the matrix's log / root p ≥ 1 cases.
 */
describe('webgpu (Node, Dawn): GradFactorProgram lanes', function () {
  this.timeout(300000);
  before(async () => {
    await initWebGPUForTests();
  });
  after(async () => {
    await tf.setBackend('cpu');
  });
  const extra = factorisedCases();
  const cases = [...extra.finite, ...extra.nonFinite, ...allCases().filter((c, i) => i % 12 === 0)].filter((c) => {
    const {sf} = kernelSetup(kernelAttrs(c), c.xShape, c.wShape);
    return factorisedGradSnippets(sf) != null;
  });
  for (const c of cases) {
    it(c.name, async () => {
      const {sf, info} = kernelSetup(kernelAttrs(c), c.xShape, c.wShape);
      const gpu = tf.backend() as unknown as WebGPUBackendLike;
      const x = tf.tensor4d(c.x, c.xShape as [number, number, number, number]);
      const w = tf.tensor4d(c.w, c.wShape as [number, number, number, number]);
      const y = semifieldConv2d(x, w, c.semifield, c.options);
      const dy = tf.tensor(upstreamFor(y.size, 4), y.shape);
      try {
        for (const operand of ['input', 'filter'] as const) {
          const read = async (lanes: number) => {
            const passes = runGradFactorPasses(gpu, sf, info, {dy, y, x, filter: w}, operand, lanes);
            const t = tf.engine().makeTensorFromTensorInfo(passes.gradFactor);
            const values = Array.from(await t.data(), String);
            t.dispose();
            gpu.disposeData(passes.wf.dataId);
            return values;
          };
          const one = await read(1);
          for (const lanes of new Set([gradFactorLanes(info, false), 4, 64])) {
            expect(await read(lanes), `${operand}, ${lanes} lanes vs 1`).to.deep.equal(one);
          }
        }
      } finally {
        tf.dispose([x, w, y, dy]);
      }
    });
  }
});
