import {caseData, type CaseSemifield, type ConvCase} from './cases.js';
import {normal, uniform} from './random.js';

/*
 * Extra cases of the WebGPU suites (Node: test/node/webgpu-conv2d.test.ts; browser:
 * test/browser/webgpu-conv2d.spec.ts) for programs the shared matrix does not reach.
 */

/** Custom cases for the factorised program; shapes with partial pixel and channel blocks. */
export function factorisedCases(): {finite: ConvCase[]; nonFinite: ConvCase[]} {
  const make = (
    name: string,
    sf: {name: 'log'; mu: number} | {name: 'root'; p: number},
    xShape: number[],
    kHW: [number, number],
    groups: number,
    x: Float32Array,
    w: Float32Array,
  ): ConvCase => {
    const wShape = [kHW[0], kHW[1], xShape[3] / groups, xShape[3]];
    return {
      name,
      semifield: sf,
      ref: sf.name === 'log' ? {name: 'log', mu: sf.mu} : {name: 'root', p: sf.p},
      options: {strides: [1, 1], dilations: [1, 1], pad: 'same', groups},
      geometry: {strides: [1, 1], dilations: [1, 1], pad: explicitSame(xShape, kHW), groups},
      xShape,
      wShape,
      x,
      w,
    };
  };
  const size = (s: number[]) => s.reduce((a, b) => a * b, 1);
  const xShape = [2, 5, 19, 6];
  const kHW: [number, number] = [3, 3];
  const nx = size(xShape);
  const nw = 3 * 3 * 6 * 6;
  const finite: ConvCase[] = [];
  const nonFinite: ConvCase[] = [];
  // Root on mixed signs: terms x·w < 0 clamp to 0, both sign pairs contribute.
  for (const p of [1, 1.5, 2, 3])
    finite.push(
      make(
        `root(p=${p}) | mixed signs | 6 channels`,
        {name: 'root', p},
        xShape,
        kHW,
        1,
        normal(nx, 5 + p),
        normal(nw, 7 + p, 0.5),
      ),
    );
  // Root after a ReLU: zero windows (rows 1–3 of image 0 are 0, so the windows of row 2 are all
  // zeros), a filter channel of zeros (output 2), and outputs whose terms are all clamped (y = 0).
  {
    const x = normal(nx, 41).map((v) => Math.max(v, 0));
    for (let e = 0; e < nx; e++) {
      const row = Math.floor(e / (xShape[2] * xShape[3])) % xShape[1];
      if (e < nx / 2 && row >= 1 && row <= 3) x[e] = 0;
    }
    const w = normal(nw, 42, 0.5);
    for (let e = 0; e < nw; e++) if (e % 6 === 2) w[e] = 0;
    finite.push(
      make(
        'root(p=2) | zero windows, a zero filter channel, clamped outputs',
        {name: 'root', p: 2},
        xShape,
        kHW,
        1,
        x,
        w,
      ),
    );
  }
  finite.push(
    make(
      'log(mu=1) | 6 channels, groups 2',
      {name: 'log', mu: 1},
      xShape,
      kHW,
      2,
      normal(nx, 3),
      normal(3 * 3 * 3 * 6, 4, 0.5),
    ),
  );
  // Far anchors: x channel 0 and the filter's input channel 1 are `lift` above the rest, so the
  // window anchor X and the channel anchor W never meet in one term: the dominant term is about
  // `lift` below X + W. lift = 300·|μ| underflows the factorised sum (fallback); 30·|μ| does not
  // (the fast path with e^{-30} cancellation).
  const lifted = (lift: number, seed: number) => {
    const x = normal(nx, seed);
    const w = normal(nw, seed + 1, 0.5);
    for (let e = 0; e < nx; e += 6) x[e] += lift;
    for (let e = 0; e < nw; e++) if (Math.floor(e / 6) % 6 === 1) w[e] += lift;
    return {x, w};
  };
  for (const mu of [1, 0.1, -0.1]) {
    for (const k of [300, 30]) {
      const {x, w} = lifted(k * mu, 11);
      finite.push(
        make(
          `log(mu=${mu}) | anchors ${k}·mu above every term (${k === 300 ? 'exact fallback' : 'fast path'})`,
          {name: 'log', mu},
          xShape,
          kHW,
          1,
          x,
          w,
        ),
      );
    }
  }
  // Root: X·W = 1e24 against terms ~1e12: (1e-12)^p ≪ minSum.
  for (const p of [2, 5]) {
    const x = uniform(nx, 0.1, 2, 21);
    const w = uniform(nw, 0.2, 1.5, 22);
    for (let e = 0; e < nx; e += 6) x[e] *= 1e12;
    for (let e = 0; e < nw; e++) if (Math.floor(e / 6) % 6 === 1) w[e] *= 1e12;
    finite.push(
      make(`root(p=${p}) | anchors far above every term (exact fallback)`, {name: 'root', p}, xShape, kHW, 1, x, w),
    );
  }
  // Non-finite operands: ±∞ and NaN in x, ∞ and NaN in the filter.
  for (const sf of [
    {name: 'log', mu: 1},
    {name: 'log', mu: -0.5},
    {name: 'root', p: 2},
  ] as const) {
    const x = normal(nx, 31);
    const w = normal(nw, 32, 0.5);
    x[40] = Infinity;
    x[100] = -Infinity;
    x[333] = NaN;
    for (let e = 500; e < 560; e++) x[e] = sf.name === 'log' && sf.mu > 0 ? -Infinity : Infinity;
    w[6 * 6 * 4 + 2] = -Infinity;
    w[6 * 6 * 7 + 5] = NaN;
    nonFinite.push(
      make(
        `${sf.name}(${sf.name === 'log' ? `mu=${sf.mu}` : `p=${sf.p}`}) | ±∞ and NaN operands: same as the online sum`,
        sf,
        xShape,
        kHW,
        1,
        x,
        w,
      ),
    );
  }
  return {finite, nonFinite};
}

function explicitSame(xShape: number[], kHW: [number, number]): [number, number, number, number] {
  const padH = kHW[0] - 1;
  const padW = kHW[1] - 1;
  return [Math.floor(padH / 2), padH - Math.floor(padH / 2), Math.floor(padW / 2), padW - Math.floor(padW / 2)];
}

/**
 * Layers for the sliced dL/dfilter program: depthwise ones with many filter entries, so that row
 * slices span several rows and the last one is partial (64 rows in slices of 11); and grouped /
 * full ones with 6 and 3 channels per group, so that 4-channel blocks are partial. Strides,
 * dilations and uneven padding.
 */
export function filterSliceCases(): ConvCase[] {
  return [...depthwiseSliceCases(), ...partialBlockCases()];
}

function partialBlockCases(): ConvCase[] {
  const layers: Array<{sf: CaseSemifield; groups: number; strides: [number, number]; dilations: [number, number]}> = [
    {sf: 'log', groups: 1, strides: [1, 1], dilations: [1, 1]},
    {sf: 'root', groups: 2, strides: [2, 1], dilations: [1, 1]},
    {sf: 'maxplus', groups: 1, strides: [1, 1], dilations: [2, 1]},
    {sf: 'linear', groups: 2, strides: [1, 1], dilations: [1, 1]},
  ];
  return layers.map(({sf, groups, strides, dilations}, n) => {
    const xShape = [2, 30, 9, 6];
    const kHW: [number, number] = [3, 3];
    const {x, w, wShape} = caseData(sf, groups, xShape, kHW, 61 + n);
    return {
      name: `${sf} | [2,30,9,6]·[3,3,${6 / groups},6] groups ${groups} (partial channel blocks) | strides ${strides} dilations ${dilations}`,
      semifield: sf,
      ref: {name: sf as 'log' | 'root' | 'maxplus' | 'linear', mu: 1, p: 2},
      options: {
        strides,
        dilations,
        pad: [
          [1, 1],
          [2, 0],
        ],
        groups,
      },
      geometry: {strides, dilations, pad: [1, 1, 2, 0], groups},
      xShape,
      wShape,
      x,
      w,
    };
  });
}

function depthwiseSliceCases(): ConvCase[] {
  const layers: Array<{sf: CaseSemifield; strides: [number, number]; dilations: [number, number]}> = [
    {sf: 'log', strides: [1, 1], dilations: [1, 1]},
    {sf: {name: 'log', mu: -0.5}, strides: [2, 1], dilations: [1, 2]},
    {sf: 'root', strides: [1, 1], dilations: [2, 2]},
    {sf: 'maxplus', strides: [1, 2], dilations: [1, 1]},
    {sf: 'linear', strides: [1, 1], dilations: [1, 1]},
  ];
  return layers.map(({sf, strides, dilations}, n) => {
    const xShape = [1, 64, 12, 64];
    const kHW: [number, number] = [5, 5];
    const {x, w, wShape} = caseData(sf, 64, xShape, kHW, 41 + n);
    return {
      name: `${typeof sf === 'string' ? sf : `${sf.name}(mu=${(sf as {mu: number}).mu})`} | [1,64,12,64]·[5,5,1,64] groups 64 | strides ${strides} dilations ${dilations} | pad [[2,1],[0,3]]`,
      semifield: sf,
      ref: typeof sf === 'string' ? {name: sf, mu: 1, p: 2} : {name: 'log', mu: (sf as {mu: number}).mu},
      options: {
        strides,
        dilations,
        pad: [
          [2, 1],
          [0, 3],
        ],
        groups: 64,
      },
      geometry: {strides, dilations, pad: [2, 1, 0, 3], groups: 64},
      xShape,
      wShape,
      x,
      w,
    };
  });
}

/**
 * Root with p < 0 (𝟘 = +∞, the smallest term dominates; issue 13: its backprop-filter program never
 * finished compiling on SwiftShader). Several channels (4 × 4 blocks of the dL/dfilter program),
 * groups, strides together with dilations, explicit pads; positive data (root's domain) with a
 * few clamped terms from negative inputs.
 */
export function negativeRootCases(): ConvCase[] {
  const layers: Array<{
    xShape: number[];
    kHW: [number, number];
    groups: number;
    strides: [number, number];
    dilations: [number, number];
    pad: [[number, number], [number, number]] | 'same';
  }> = [
    {xShape: [1, 9, 14, 4], kHW: [3, 3], groups: 1, strides: [1, 1], dilations: [1, 1], pad: 'same'},
    {
      xShape: [2, 9, 14, 12],
      kHW: [3, 2],
      groups: 3,
      strides: [2, 1],
      dilations: [2, 3],
      pad: [
        [2, 1],
        [0, 3],
      ],
    },
    {
      xShape: [2, 8, 7, 8],
      kHW: [2, 3],
      groups: 2,
      strides: [1, 2],
      dilations: [2, 1],
      pad: [
        [1, 0],
        [1, 1],
      ],
    },
  ];
  const cases: ConvCase[] = [];
  let seed = 71;
  for (const p of [-2, -1, -0.5]) {
    for (const l of layers) {
      const sf = {name: 'root' as const, p};
      const {x, w, wShape} = caseData(sf, l.groups, l.xShape, l.kHW, seed++);
      for (let e = 3; e < x.length; e += 17) x[e] = -x[e];
      const pad =
        l.pad === 'same' ? explicitSame(l.xShape, l.kHW) : [l.pad[0][0], l.pad[0][1], l.pad[1][0], l.pad[1][1]];
      cases.push({
        name: `root(p=${p}) | [${l.xShape}]·[${wShape}] groups ${l.groups} | strides ${l.strides} dilations ${l.dilations} | pad ${JSON.stringify(l.pad)}`,
        semifield: sf,
        ref: {name: 'root', p},
        options: {strides: l.strides, dilations: l.dilations, pad: l.pad, groups: l.groups},
        geometry: {
          strides: l.strides,
          dilations: l.dilations,
          pad: pad as [number, number, number, number],
          groups: l.groups,
        },
        xShape: l.xShape,
        wShape,
        x,
        w,
      });
    }
  }
  return cases;
}

/**
 * Layers for the implicit-GEMM forward program (semifield_conv2d_mm_webgpu.ts): partial pixel and
 * channel tiles (40 and 70 channels, 36 outputs in 3 groups), strides together with dilations,
 * uneven pads; integer data for the selection semifields (ties everywhere: the provenance rule
 * across staged chunks), and a linear layer with ±∞ in its filter (a skipped out-of-image tap must
 * stay skipped: the exact fallback), every semifield the program serves.
 */
export function mmCases(): ConvCase[] {
  const layers = [
    {
      xShape: [2, 9, 11, 40],
      kHW: [3, 3] as [number, number],
      groups: 1,
      strides: [1, 1] as [number, number],
      dilations: [1, 1] as [number, number],
      pad: [1, 1, 1, 1] as [number, number, number, number],
    },
    {
      xShape: [1, 13, 10, 12],
      kHW: [3, 2] as [number, number],
      groups: 3,
      strides: [2, 1] as [number, number],
      dilations: [1, 2] as [number, number],
      pad: [1, 0, 2, 1] as [number, number, number, number],
    },
    {
      xShape: [3, 7, 8, 70],
      kHW: [2, 2] as [number, number],
      groups: 1,
      strides: [1, 2] as [number, number],
      dilations: [2, 1] as [number, number],
      pad: [0, 1, 1, 0] as [number, number, number, number],
    },
  ];
  const semifields: CaseSemifield[] = [
    'maxplus',
    'minplus',
    'linear',
    'log',
    {name: 'log', mu: -0.5},
    'root',
    {name: 'root', p: 3},
  ];
  const cases: ConvCase[] = [];
  let seed = 301;
  for (const sf of semifields) {
    for (const l of layers) {
      const outChannels = l.groups === 3 ? 36 : l.xShape[3];
      const wShape = [l.kHW[0], l.kHW[1], l.xShape[3] / l.groups, outChannels];
      const size = (s: number[]) => s.reduce((a, b) => a * b, 1);
      const ref =
        typeof sf === 'string'
          ? {name: sf, mu: 1, p: 2}
          : sf.name === 'log'
            ? {name: 'log' as const, mu: sf.mu}
            : {name: 'root' as const, p: sf.p};
      const selection = sf === 'maxplus' || sf === 'minplus';
      const isRoot = ref.name === 'root';
      const ints = (n: number, s: number) => Float32Array.from(normal(n, s), (v) => Math.round(v * 1.5));
      const x = selection
        ? ints(size(l.xShape), seed)
        : isRoot
          ? uniform(size(l.xShape), 0.1, 2, seed)
          : normal(size(l.xShape), seed);
      const w = selection
        ? ints(size(wShape), seed + 1)
        : isRoot
          ? uniform(size(wShape), 0.2, 1.5, seed + 1)
          : normal(size(wShape), seed + 1, 0.5);
      seed += 2;
      const padPairs: [[number, number], [number, number]] = [
        [l.pad[0], l.pad[1]],
        [l.pad[2], l.pad[3]],
      ];
      cases.push({
        name: `${typeof sf === 'string' ? sf : JSON.stringify(sf)} | [${l.xShape}]·[${wShape}] groups ${l.groups} | strides ${l.strides} dilations ${l.dilations} | pad ${JSON.stringify(padPairs)}`,
        semifield: sf,
        ref: ref as ConvCase['ref'],
        options: {strides: l.strides, dilations: l.dilations, pad: padPairs, groups: l.groups},
        geometry: {strides: l.strides, dilations: l.dilations, pad: l.pad, groups: l.groups},
        xShape: l.xShape,
        wShape,
        x,
        w,
      });
    }
  }
  // Root on mixed signs: tiles whose filter columns hold negative entries run both sign parts,
  // the others only the first (one filter column block all positive, one with negatives).
  {
    const l = layers[2];
    const wShape = [2, 2, 70, 70];
    const x = normal(
      l.xShape.reduce((a, b) => a * b, 1),
      411,
    );
    const w = uniform(2 * 2 * 70 * 70, 0.1, 1, 412);
    for (let e = 0; e < w.length; e++) if (e % 70 >= 40 && e % 3 === 0) w[e] = -w[e];
    for (const p of [2, 1.5]) {
      cases.push({
        name: `root(p=${p}) | mixed signs: negative filter entries in output channels ≥ 40 only`,
        semifield: {name: 'root', p},
        ref: {name: 'root', p},
        options: {
          strides: l.strides,
          dilations: l.dilations,
          pad: [
            [l.pad[0], l.pad[1]],
            [l.pad[2], l.pad[3]],
          ],
          groups: 1,
        },
        geometry: {strides: l.strides, dilations: l.dilations, pad: l.pad, groups: 1},
        xShape: l.xShape,
        wShape,
        x,
        w,
      });
    }
  }
  // Linear with ±∞ filter entries: out-of-image taps are skipped (not 0 · ∞ = NaN).
  {
    const l = layers[0];
    const wShape = [3, 3, 40, 40];
    const x = normal(
      l.xShape.reduce((a, b) => a * b, 1),
      401,
    );
    const w = normal(3 * 3 * 40 * 40, 402, 0.5);
    w[5] = Infinity; // tap (0, 0): outside the image for the first row and column of outputs
    w[8 * 40 * 40 + 7] = -Infinity;
    cases.push({
      name: 'linear | ±∞ filter entries on border taps (skipped out of the image)',
      semifield: 'linear',
      ref: {name: 'linear', mu: 1, p: 2},
      options: {
        strides: [1, 1],
        dilations: [1, 1],
        pad: [
          [1, 1],
          [1, 1],
        ],
        groups: 1,
      },
      geometry: {strides: [1, 1], dilations: [1, 1], pad: [1, 1, 1, 1], groups: 1},
      xShape: l.xShape,
      wShape,
      x,
      w,
    });
  }
  return cases;
}
