// Public exports of src/primitives: alternative conv algorithms (and the reduced-precision
// emulations the studies use) and low-rank / log-domain linear algebra.
export * from './conv/index.js';
export * from './linear/index.js';
