// Shared helpers of the layers-*.test.ts suites.
import * as tf from '@tensorflow/tfjs';
import {expect} from 'chai';
import type {RefSemifield} from '../reference/reference.js';

/** Every suite runs on the cpu backend (the fused kernels), whatever another suite left active. */
export function onCpu(): void {
  before(async () => {
    if (!(await tf.setBackend('cpu'))) throw new Error('cpu backend failed to initialise');
  });
}

/** The reference's spelling of a semifield config. */
export function refSemifield(config: string | {name: string; mu?: number; p?: number}): RefSemifield {
  return (typeof config === 'string' ? {name: config} : config) as RefSemifield;
}

/** |a − b| ≤ atol + rtol·|b| elementwise, with the worst offender in the message. */
export function expectClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  rtol: number,
  atol: number,
  what: string,
): void {
  expect(actual.length, `${what}: length`).to.equal(expected.length);
  let worst = -1;
  let worstExcess = 0;
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i];
    const e = expected[i];
    if (a === e) continue; // covers equal infinities
    const excess = Math.abs(a - e) - (atol + rtol * Math.abs(e));
    if (!(excess <= 0) && (worst < 0 || excess > worstExcess || Number.isNaN(excess))) {
      worst = i;
      worstExcess = excess;
    }
  }
  if (worst >= 0) {
    expect.fail(
      `${what}: element ${worst} is ${actual[worst]}, expected ${expected[worst]} (rtol ${rtol}, atol ${atol})`,
    );
  }
}

/** Runs `fn` and checks it threw an Error whose message contains every fragment. */
export function expectThrowsMentioning(fn: () => unknown, ...fragments: string[]): void {
  let error: unknown;
  try {
    fn();
  } catch (e) {
    error = e;
  }
  expect(error, `expected an error mentioning ${fragments.join(', ')}`).to.be.instanceOf(Error);
  for (const fragment of fragments) expect((error as Error).message).to.contain(fragment);
}

/** Save a model to memory and load it back (the artifacts are JSON-cloned, as a file would be). */
export async function roundTrip(
  model: tf.LayersModel,
): Promise<{loaded: tf.LayersModel; artifacts: tf.io.ModelArtifacts}> {
  let artifacts: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      artifacts = a;
      return {modelArtifactsInfo: {dateSaved: new Date(), modelTopologyType: 'JSON'}};
    }),
  );
  const topology = JSON.parse(JSON.stringify(artifacts!.modelTopology));
  const loaded = await tf.loadLayersModel(tf.io.fromMemory({...artifacts!, modelTopology: topology}));
  return {loaded, artifacts: artifacts!};
}
