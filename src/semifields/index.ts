export type {
  InvertibleSemifield,
  SelectionSemifield,
  Semifield,
  SemifieldConfig,
  SemifieldConfigObject,
  ShaderLanguage,
  ShaderSnippets,
} from './types.js';
export {getSemifield, listSemifields, semifieldFromKey, semifieldToConfig} from './registry.js';
export {floatLiteral} from './literals.js';
export {ternary} from './shader_util.js';
