// `tfjs-semifield/primitives`: im2col / Winograd / FFT conv with the autotuner, their
// reduced-precision emulations, low-rank (SVD) dense layers, log-domain and LNS matrix products.
// Needs @tensorflow/tfjs-layers for LowRankDense / compressDense.
import '../tfjs_core_guard.js';

export * from '../primitives/index.js';
