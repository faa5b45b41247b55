/*
 * tfjs-semifield/node: fileSystemIO / registerFileSystemRouter save a tf.LayersModel (semifield
 * layers included) to a directory as model.json + weights.bin without @tensorflow/tfjs-node, and
 * load it back with identical predictions.
 */
import * as tf from '@tensorflow/tfjs';
import {expect} from 'chai';
import {mkdtemp, readdir, readFile, rm} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import '../../index.js';
import {fileSystemIO, registerFileSystemRouter} from '../../src/entries/node.js';
import {layers} from '../../src/layers/index.js';
import {onCpu} from './layers-helpers.js';

function buildModel(): tf.LayersModel {
  const model = tf.sequential({
    layers: [
      layers.semifieldConv2d({inputShape: [8, 8, 1], filters: 3, kernelSize: 3, semifield: 'maxplus', padding: 'same'}),
      layers.semifieldPooling2d({poolSize: 2, semifield: 'maxplus', kernel: 'isotropic'}),
      tf.layers.flatten(),
      tf.layers.dense({units: 4, activation: 'softmax', kernelInitializer: tf.initializers.glorotUniform({seed: 3})}),
    ],
  });
  model.compile({optimizer: 'adam', loss: 'categoricalCrossentropy', metrics: ['accuracy']});
  return model;
}

describe('tfjs-semifield/node: fileSystemIO', () => {
  onCpu();
  let folder = '';
  beforeEach(async () => {
    folder = await mkdtemp(join(tmpdir(), 'semifield-file-io-'));
  });
  afterEach(async () => {
    await rm(folder, {recursive: true, force: true});
  });

  it('saves model.json + weights.bin to a new directory and loads it back with identical predictions', async () => {
    const model = buildModel();
    const x = tf.randomUniform([5, 8, 8, 1], 0, 1, 'float32', 7);
    const dir = join(folder, 'nested', 'model');
    const result = await model.save(fileSystemIO(dir));
    expect(result.modelArtifactsInfo.weightDataBytes).to.equal(4 * model.countParams());
    expect((await readdir(dir)).sort()).to.deep.equal(['model.json', 'weights.bin']);
    const json = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8'));
    expect(json.weightsManifest[0].paths).to.deep.equal(['weights.bin']);
    expect(JSON.stringify(json.modelTopology)).to.contain('SemifieldConv2D');
    expect(json.format).to.equal('layers-model');

    for (const source of [dir, join(dir, 'model.json'), `file://${dir}`]) {
      const loaded = await tf.loadLayersModel(fileSystemIO(source));
      expect(Array.from((loaded.predict(x) as tf.Tensor).dataSync()), source).to.deep.equal(
        Array.from((model.predict(x) as tf.Tensor).dataSync()),
      );
      expect(
        loaded.layers.map((l) => l.getClassName()),
        source,
      ).to.deep.equal(model.layers.map((l) => l.getClassName()));
      loaded.dispose();
    }
    model.dispose();
  });

  it('loads weights split over several shard files (as tfjs-node / the converter write them)', async () => {
    const model = buildModel();
    const dir = join(folder, 'sharded');
    await model.save(fileSystemIO(dir));
    const json = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8'));
    const bytes = await readFile(join(dir, 'weights.bin'));
    const half = 4 * Math.floor(bytes.byteLength / 8);
    const {writeFile} = await import('node:fs/promises');
    await writeFile(join(dir, 'group1-shard1of2.bin'), bytes.subarray(0, half));
    await writeFile(join(dir, 'group1-shard2of2.bin'), bytes.subarray(half));
    json.weightsManifest[0].paths = ['group1-shard1of2.bin', 'group1-shard2of2.bin'];
    await writeFile(join(dir, 'model.json'), JSON.stringify(json));
    await rm(join(dir, 'weights.bin'));
    const loaded = await tf.loadLayersModel(fileSystemIO(dir));
    const x = tf.randomUniform([2, 8, 8, 1], 0, 1, 'float32', 8);
    expect(Array.from((loaded.predict(x) as tf.Tensor).dataSync())).to.deep.equal(
      Array.from((model.predict(x) as tf.Tensor).dataSync()),
    );
    model.dispose();
    loaded.dispose();
  });

  it('registerFileSystemRouter makes file:// URLs work with model.save and tf.loadLayersModel (once)', async () => {
    expect(registerFileSystemRouter()).to.equal(true);
    expect(registerFileSystemRouter(), 'second call').to.equal(false);
    const model = buildModel();
    const dir = join(folder, 'routed');
    await model.save(`file://${dir}`);
    const loaded = await tf.loadLayersModel(`file://${dir}/model.json`);
    const x = tf.randomUniform([2, 8, 8, 1], 0, 1, 'float32', 9);
    expect(Array.from((loaded.predict(x) as tf.Tensor).dataSync())).to.deep.equal(
      Array.from((model.predict(x) as tf.Tensor).dataSync()),
    );
    model.dispose();
    loaded.dispose();
  });

  it('says clearly what is wrong: a missing directory, a bad path argument', async () => {
    let message = '';
    try {
      await tf.loadLayersModel(fileSystemIO(join(folder, 'nope')));
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).to.match(/fileSystemIO: nothing to load at '.*nope'/);
    expect(() => fileSystemIO('' as string)).to.throw(/path: expected a non-empty string/);
  });
});
