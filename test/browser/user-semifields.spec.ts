import * as tf from '@tensorflow/tfjs';
import {expect} from 'chai';
import {getSemifield, registerSemifield, semifieldConv2d, unregisterSemifield} from '../../index.js';
import {layers} from '../../src/layers/index.js';
import {
  lseDefinition,
  lseFusedDefinition,
  maxTimesDefinition,
  runUserSemifieldCheck,
  userSemifieldChecks,
} from '../reference/user_semifields.js';
import {useWebGL} from './webgl_helpers.js';
import {useWebGPU} from './webgpu_helpers.js';

/*
 * Issue 18 on the GPU backends: user semifields registered with registerSemifield — max-times and
 * log-sum-exp in tensor form (composite path), log-sum-exp with hand-written GLSL / WGSL snippets
 * (the fused kernels, and forced onto the composite path) — against the float64 reference forward
 * (1e-4, docs/design.md §5) and central differences of it backward (1e-3); and a model with
 * user-semifield layers saved and reloaded on webgl. Registration happens with the GPU backend
 * active (its probe checks read values back, which webgpu cannot do synchronously).
 */
const FUSED = ['SemifieldConv2D', 'SemifieldConv2DBackpropInput', 'SemifieldConv2DBackpropFilter'];
const NAMES = ['maxtimes', 'lse', 'lsefused'];

for (const backend of ['webgl', 'webgpu'] as const) {
  describe(`user semifields on ${backend}: float64 reference, finite-difference gradients`, function () {
    this.timeout(180_000);
    before(async () => {
      if (backend === 'webgl') await useWebGL();
      else await useWebGPU();
      for (const d of [maxTimesDefinition, lseDefinition, lseFusedDefinition]) registerSemifield(d);
    });
    after(async () => {
      for (const name of NAMES) unregisterSemifield(name);
      await tf.setBackend('cpu');
    });
    for (const c of userSemifieldChecks) {
      it(`${c.semifield}, implementation '${c.implementation}': ${c.path} path`, async () => {
        const got = await runUserSemifieldCheck(c);
        expect(tf.getBackend()).to.equal(backend);
        if (c.path === 'fused') expect(got.kernels).to.include.members(FUSED);
        else expect(got.kernels).to.not.include(FUSED[0]);
        expect(got.leaked, 'tensors leaked').to.equal(0);
        expect(got.y, 'y').to.be.below(1e-4);
        expect(got.dx, 'dx').to.be.below(1e-3);
        expect(got.dw, 'dw').to.be.below(1e-3);
      });
    }
    it('a new parameter value resolves with the GPU backend active', async () => {
      const sf = getSemifield({name: 'lsefused', mu: 0.3});
      expect(tf.getBackend()).to.equal(backend);
      const y = semifieldConv2d(tf.zeros([1, 2, 2, 1]), tf.zeros([1, 2, 1, 1]), {name: 'lsefused', mu: 0.3});
      // Two zero terms: 0.3·log 2.
      expect(Array.from(await y.data())[0]).to.be.closeTo(0.3 * Math.log(2), 1e-5);
      expect(sf.key).to.equal('{"name":"lsefused","mu":0.3}');
      tf.dispose(y);
    });
  });
}

describe('user semifields on webgl: a layer model saves and reloads once they are registered again', function () {
  this.timeout(180_000);
  before(async () => {
    await useWebGL();
    registerSemifield(maxTimesDefinition);
    registerSemifield(lseFusedDefinition);
  });
  after(() => {
    for (const name of ['maxtimes', 'lsefused']) unregisterSemifield(name);
  });

  it('maxtimes and lsefused layers: configs name them; predictions identical after reload', async () => {
    const init = (seed: number) => tf.initializers.randomUniform({minval: 0.5, maxval: 1.5, seed});
    const model = tf.sequential({
      layers: [
        layers.semifieldConv2d({
          inputShape: [6, 6, 1],
          filters: 2,
          kernelSize: 3,
          semifield: 'maxtimes',
          padding: 'same',
          kernelInitializer: init(1),
          useBias: false,
        }),
        layers.semifieldConv2d({
          filters: 2,
          kernelSize: 3,
          semifield: {name: 'lsefused', mu: 0.25},
          kernelInitializer: init(2),
        }),
        tf.layers.flatten(),
        tf.layers.dense({units: 2, kernelInitializer: tf.initializers.glorotUniform({seed: 3})}),
      ],
    });
    const x = tf.randomUniform([3, 6, 6, 1], 0.1, 1, 'float32', 4);
    const want = await (model.predict(x) as tf.Tensor).data();
    expect(model.layers[0].getConfig().semifield).to.deep.equal({name: 'maxtimes'});
    expect(model.layers[1].getConfig().semifield).to.deep.equal({name: 'lsefused', mu: 0.25});

    let artifacts: tf.io.ModelArtifacts | undefined;
    await model.save(
      tf.io.withSaveHandler(async (a) => {
        artifacts = a;
        return {modelArtifactsInfo: {dateSaved: new Date(), modelTopologyType: 'JSON'}};
      }),
    );
    // As a file would hold it: plain JSON.
    const saved = {...artifacts!, modelTopology: JSON.parse(JSON.stringify(artifacts!.modelTopology))};
    unregisterSemifield('lsefused');
    let error: Error | undefined;
    try {
      await tf.loadLayersModel(tf.io.fromMemory(saved));
    } catch (e) {
      error = e as Error;
    }
    expect(error?.message).to.match(/lsefused/);
    registerSemifield(lseFusedDefinition);
    const loaded = await tf.loadLayersModel(tf.io.fromMemory(saved));
    const got = await (loaded.predict(x) as tf.Tensor).data();
    expect(tf.getBackend()).to.equal('webgl');
    expect(Array.from(got)).to.deep.equal(Array.from(want));
    model.dispose();
    loaded.dispose();
    tf.dispose(x);
  });
});
