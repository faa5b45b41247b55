// Public exports of src/primitives: alternative conv algorithms (and the reduced-precision
// emulations the studies use) and low-rank / log-domain linear algebra.
export * from './conv/index.js';
export * from './linear/index.js';
// The timing helper the autotuner, the benches and the demo share (median after warm-up).
export {timeSync, timeAsync, timeInterleaved} from '../util/timing.js';
export type {TimingResult, TimingOptions, InterleavedTimingOptions} from '../util/timing.js';
