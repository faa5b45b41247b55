export type {
  InvertibleSemifield,
  SelectionSemifield,
  Semifield,
  SemifieldConfig,
  SemifieldConfigObject,
  AnySemifieldConfig,
  CustomSemifieldConfig,
  ShaderLanguage,
  ShaderSnippets,
} from './types.js';
export {
  getSemifield,
  listSemifields,
  registerSemifield,
  semifieldFromKey,
  semifieldToConfig,
  unregisterSemifield,
} from './registry.js';
export type {SemifieldDefinition} from './registry.js';
export type {FusedForms, InvertibleRule, SelectionRule, SemifieldSpec} from './custom.js';
export {floatLiteral} from './literals.js';
export {ternary} from './shader_util.js';
