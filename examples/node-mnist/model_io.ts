/*
 * Save / load a LayersModel to a folder in the standard tfjs format (model.json + weights.bin)
 * without @tensorflow/tfjs-node (whose file:// handler is the usual way): the same files that
 * `tf.loadLayersModel('file://…/model.json')` reads under tfjs-node, or over http in a browser.
 */
import * as tf from '@tensorflow/tfjs';
import {mkdir, readFile, writeFile} from 'node:fs/promises';
import {join} from 'node:path';

function joinWeightData(data: tf.io.WeightData): ArrayBuffer {
  return Array.isArray(data) ? tf.io.concatenateArrayBuffers(data) : data;
}

export async function saveModelToFolder(model: tf.LayersModel, folder: string): Promise<void> {
  await mkdir(folder, {recursive: true});
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const weights = joinWeightData(artifacts.weightData!);
      const modelJSON: tf.io.ModelJSON = {
        modelTopology: artifacts.modelTopology!,
        format: artifacts.format,
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy,
        weightsManifest: [{paths: ['weights.bin'], weights: artifacts.weightSpecs!}],
      };
      await writeFile(join(folder, 'model.json'), JSON.stringify(modelJSON));
      await writeFile(join(folder, 'weights.bin'), new Uint8Array(weights));
      return {modelArtifactsInfo: {dateSaved: new Date(), modelTopologyType: 'JSON', weightDataBytes: weights.byteLength}};
    }),
  );
}

/** Load what saveModelToFolder wrote. The semifield layer classes must be registered (import the package). */
export async function loadModelFromFolder(folder: string): Promise<tf.LayersModel> {
  const modelJSON = JSON.parse(await readFile(join(folder, 'model.json'), 'utf8')) as tf.io.ModelJSON;
  const bytes = await readFile(join(folder, 'weights.bin'));
  const weightData = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  const weightSpecs = modelJSON.weightsManifest.flatMap((group) => group.weights);
  return tf.loadLayersModel(tf.io.fromMemory({modelTopology: modelJSON.modelTopology, weightSpecs, weightData}));
}
