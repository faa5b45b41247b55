// Imports of the registerSemifield test (the package root plus the built-in max-plus object for its fused forms).
export {
  getSemifield,
  listSemifields,
  registerSemifield,
  semifieldConv2d,
  semifieldFromKey,
  unregisterSemifield,
} from '../../index.js';
export {maxplus as maxplusForTests} from '../../src/semifields/maxplus.js';
