// Public exports of src/primitives/linear: low-rank (SVD) dense layers and log-domain / LNS products.
export {matrixSvd, rankForEnergy, type MatrixSvd} from './matrix_svd.js';
export {lowRankFactors, type LowRankFactors, type LowRankOptions} from './low_rank_factors.js';
export {LowRankDense, type LowRankDenseArgs, type LowRankActivation} from './low_rank_dense.js';
export {compressDense, lowRankCompressionRatio, type CompressDenseOptions} from './compress_dense.js';
export {logMatMul, type LogMatMulOptions} from './log_matmul.js';
export {lnsQuantize, lnsErrorBound, mitchellMaxRatio, type LnsOptions} from './lns_format.js';
export {lnsMatMulEmulated, type LnsMatMulEmulation} from './lns_matmul_emulated.js';
export {lnsMatMul} from './lns_matmul.js';
