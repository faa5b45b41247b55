// Side effect only: every entry point imports this first, so that an incompatible or duplicated
// @tensorflow/tfjs-core is reported at import, before any kernel or layer class is registered.
import {assertCompatibleTfjsCore} from './tfjs_core_check.js';

assertCompatibleTfjsCore();
