/**
 * The tfjs-core this package was built and tested against, and the check every entry point runs at
 * import (through src/tfjs_core_guard.ts): an older tfjs-core, or a second copy of tfjs-core in the
 * same program, fails loudly here instead of crashing later in a kernel or a gradient.
 */
import * as tf from '@tensorflow/tfjs-core';

/** The exact @tensorflow/tfjs-core version of the peer dependencies (tfjs pins its peers exactly). */
export const REQUIRED_TFJS_CORE_VERSION = '4.22.0';

function parseVersion(version: string): [number, number, number] | null {
  const m = /^(\d+)\.(\d+)\.(\d+)/.exec(version);
  return m == null ? null : [Number(m[1]), Number(m[2]), Number(m[3])];
}

/** What the check looks at: tfjs-core's version string and the Tensor classes it can compare. */
export interface TfjsCoreFacts {
  /** `version_core` of the tfjs-core this package imported. */
  version: string;
  /** `Tensor` of the tfjs-core this package imported. */
  ownTensor: unknown;
  /**
   * The Tensor class tfjs-core records in its global map (`globalThis._tfGlobals.get('Tensor')`): the
   * first tfjs-core loaded in the program puts its class there, so a different one means two copies.
   */
  globalTensor: unknown;
}

/**
 * The problem with this tfjs-core, as the message of the Error the import throws, or null if there
 * is none. Accepted: one copy of tfjs-core, major version 4, at least {@link REQUIRED_TFJS_CORE_VERSION}.
 */
export function tfjsCoreProblem(facts: TfjsCoreFacts): string | null {
  const fix =
    `Install matching versions (for example \`npm install @tensorflow/tfjs-core@${REQUIRED_TFJS_CORE_VERSION}\`, ` +
    `or \`@tensorflow/tfjs@${REQUIRED_TFJS_CORE_VERSION}\` with the umbrella package); ` +
    '`npm ls @tensorflow/tfjs-core` must then list a single version.';
  const v = parseVersion(facts.version);
  if (v == null || v[0] !== 4 || v[1] < 22) {
    return (
      `tfjs-semifield needs @tensorflow/tfjs-core ${REQUIRED_TFJS_CORE_VERSION} (its peer dependency), ` +
      `but the @tensorflow/tfjs-core it loaded is version ${facts.version}. ${fix}`
    );
  }
  if (facts.globalTensor != null && facts.globalTensor !== facts.ownTensor) {
    return (
      'tfjs-semifield found two copies of @tensorflow/tfjs-core in this program: the one it loaded ' +
      `(version ${facts.version}) is not the one loaded first, so kernels, gradients and tensors would ` +
      'be split between them (typically a nested node_modules/@tensorflow/tfjs-core of another version, ' +
      `or an import and a require of tfjs-core resolving to different files). ${fix}`
    );
  }
  return null;
}

/** The facts of the tfjs-core this package imported, read now. */
export function currentTfjsCoreFacts(): TfjsCoreFacts {
  const globals = (globalThis as {_tfGlobals?: Map<string, unknown>})._tfGlobals;
  return {
    version: tf.version_core,
    ownTensor: tf.Tensor,
    globalTensor: globals instanceof Map ? globals.get('Tensor') : undefined,
  };
}

/** Throws an Error naming the problem if this tfjs-core is too old or not the only copy. */
export function assertCompatibleTfjsCore(): void {
  const problem = tfjsCoreProblem(currentTfjsCoreFacts());
  if (problem != null) throw new Error(problem);
}
