/*
 * Save / load TensorFlow.js models to a directory on disk in the standard tfjs format (model.json +
 * weights.bin), in Node, without @tensorflow/tfjs-node (whose `file://` handler is the usual way).
 * The files are the same ones tfjs-node writes and reads, and the same a browser loads over http.
 * Needs only @tensorflow/tfjs-core and node:fs; Node only (published in `tfjs-semifield/node`).
 */
import * as tf from '@tensorflow/tfjs-core';
import {mkdir, readFile, stat, writeFile} from 'node:fs/promises';
import {dirname, join, resolve} from 'node:path';

const MODEL_JSON = 'model.json';
const WEIGHTS_BIN = 'weights.bin';
const FILE_SCHEME = 'file://';

function toArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}

/** Where model.json is: `path` itself when it names a .json file, else `path`/model.json. */
async function modelJsonPath(path: string): Promise<string> {
  if (path.endsWith('.json')) return path;
  const info = await stat(path).catch(() => null);
  if (info == null)
    throw new Error(
      `fileSystemIO: nothing to load at '${path}' (expected a directory holding ${MODEL_JSON}, or a path to a .json file)`,
    );
  return info.isDirectory() ? join(path, MODEL_JSON) : path;
}

/**
 * A tf.io handler that saves a model to the directory `path` (created if missing) as
 * `model.json` + `weights.bin`, and loads one from `path` (the directory, or its model.json).
 * Works for `tf.LayersModel` (`model.save`, `tf.loadLayersModel`) and for graph models in the
 * JSON format (`tf.loadGraphModel`); weights split over several shard files load too.
 *
 * Layer classes must be registered before loading: import `tfjs-semifield/layers` (or the
 * package root) for models with semifield layers.
 *
 * @param path a directory (save and load), or the path of a model.json file (load). A leading
 *   `file://` is accepted and stripped.
 *
 * @example
 * import * as tf from '@tensorflow/tfjs';
 * import 'tfjs-semifield/layers';
 * import {fileSystemIO} from 'tfjs-semifield/node';
 * await model.save(fileSystemIO('./my-model'));
 * const same = await tf.loadLayersModel(fileSystemIO('./my-model'));
 */
export function fileSystemIO(path: string): tf.io.IOHandler {
  if (typeof path !== 'string' || path.length === 0)
    throw new Error(`fileSystemIO: path: expected a non-empty string, but got ${JSON.stringify(path)}`);
  const target = path.startsWith(FILE_SCHEME) ? path.slice(FILE_SCHEME.length) : path;
  return {
    async save(artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> {
      const topology = artifacts.modelTopology;
      if (topology == null || topology instanceof ArrayBuffer) {
        throw new Error(
          'fileSystemIO: can only save a model with a JSON topology (tf.LayersModel), not a binary or missing one',
        );
      }
      const directory = target.endsWith('.json') ? dirname(target) : target;
      const jsonFile = target.endsWith('.json') ? target : join(directory, MODEL_JSON);
      const data = artifacts.weightData;
      const weights =
        data == null ? new ArrayBuffer(0) : Array.isArray(data) ? tf.io.concatenateArrayBuffers(data) : data;
      const modelJSON: tf.io.ModelJSON = {
        modelTopology: topology,
        format: artifacts.format,
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy,
        weightsManifest: [{paths: [WEIGHTS_BIN], weights: artifacts.weightSpecs ?? []}],
      };
      if (artifacts.trainingConfig != null) modelJSON.trainingConfig = artifacts.trainingConfig;
      if (artifacts.signature != null) modelJSON.signature = artifacts.signature;
      if (artifacts.userDefinedMetadata != null) modelJSON.userDefinedMetadata = artifacts.userDefinedMetadata;
      if (artifacts.modelInitializer != null) modelJSON.modelInitializer = artifacts.modelInitializer;
      if (artifacts.initializerSignature != null) modelJSON.initializerSignature = artifacts.initializerSignature;
      await mkdir(directory, {recursive: true});
      await writeFile(jsonFile, JSON.stringify(modelJSON));
      await writeFile(join(directory, WEIGHTS_BIN), new Uint8Array(weights));
      return {modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON({...artifacts, weightData: weights})};
    },
    async load(): Promise<tf.io.ModelArtifacts> {
      const jsonFile = await modelJsonPath(target);
      const modelJSON = JSON.parse(await readFile(jsonFile, 'utf8')) as tf.io.ModelJSON;
      if (modelJSON.modelTopology == null && modelJSON.weightsManifest == null) {
        throw new Error(
          `fileSystemIO: ${jsonFile} holds neither modelTopology nor weightsManifest: not a tfjs model.json`,
        );
      }
      const directory = dirname(jsonFile);
      return tf.io.getModelArtifactsForJSON(modelJSON, async (manifest) => {
        const specs: tf.io.WeightsManifestEntry[] = [];
        const buffers: ArrayBuffer[] = [];
        for (const group of manifest) {
          specs.push(...group.weights);
          for (const file of group.paths) buffers.push(toArrayBuffer(await readFile(join(directory, file))));
        }
        return [specs, buffers.length === 1 ? buffers[0] : tf.io.concatenateArrayBuffers(buffers)];
      });
    },
  };
}

let routerRegistered = false;

/**
 * Let `model.save('file://dir')`, `tf.loadLayersModel('file://dir')` (or `'file://dir/model.json'`)
 * use {@link fileSystemIO}, as under @tensorflow/tfjs-node. Does nothing when a `file://` handler
 * is already registered (tfjs-node's, or an earlier call's).
 *
 * @returns true when this call registered the routers.
 *
 * @example
 * import {registerFileSystemRouter} from 'tfjs-semifield/node';
 * registerFileSystemRouter();
 * await model.save('file://./my-model');
 */
export function registerFileSystemRouter(): boolean {
  if (routerRegistered || tf.io.getSaveHandlers(`${FILE_SCHEME}${resolve('.')}`).length > 0) return false;
  const router = (url: string | string[]) => {
    const u = Array.isArray(url) ? url[0] : url;
    // tfjs's IORouter type says IOHandler, but its registry skips routers that return null.
    return (typeof u === 'string' && u.startsWith(FILE_SCHEME) ? fileSystemIO(u) : null) as tf.io.IOHandler;
  };
  tf.io.registerSaveRouter(router);
  tf.io.registerLoadRouter(router);
  routerRegistered = true;
  return true;
}
