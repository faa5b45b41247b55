export {
  bfloat16,
  float16,
  float32,
  float64,
  intFormat,
  roundToBinaryFloat,
  studyFormats,
  wrapInt,
  type NumberFormat,
} from './formats.js';
export {outputSize, type EmulatedConvProblem} from './problem.js';
export {emulatedDirect} from './direct.js';
export {emulatedIm2col} from './im2col.js';
export {emulatedWinograd, type IntegerWinogradTransform} from './winograd.js';
export {emulatedFft} from './fft.js';
