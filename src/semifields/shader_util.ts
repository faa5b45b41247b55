import type {ShaderLanguage} from './types.js';

/** `cond ? ifTrue : ifFalse` in the target language (WGSL spells it select(f, t, cond)). */
export function ternary(lang: ShaderLanguage, cond: string, ifTrue: string, ifFalse: string): string {
  return lang === 'glsl' ? `((${cond}) ? (${ifTrue}) : (${ifFalse}))` : `select(${ifFalse}, ${ifTrue}, ${cond})`;
}
