/*
 * A check every WebGPU suite (Node and browser) installs on the backend: each of this package's
 * programs (shader key 'semifield…') has its generated WGSL inspected before tfjs compiles it.
 * Short-circuit operators (`||`, `&&`) are control flow in WGSL; unrolled per term they made a
 * shader whose compilation never ended on SwiftShader (issue 13), so generated code must use the
 * non-short-circuit `|` / `&` (src/semifields/shader_util.ts, anyOf). Browser-safe.
 */

interface ProgramLike {
  shaderKey: string;
  getUserCode(): string;
}

interface BackendLike {
  runWebGPUProgram(program: ProgramLike, ...rest: unknown[]): unknown;
}

const checked = new WeakSet<object>();
/** Shader keys seen by the check (a suite can assert that its programs went through it). */
export const checkedShaderKeys = new Set<string>();

/** Lines of `code` with a short-circuit operator, comments stripped. */
export function shortCircuitLines(code: string): string[] {
  return code
    .split('\n')
    .map((line) => line.replace(/\/\/.*$/, ''))
    .filter((line) => /\|\||&&/.test(line));
}

export function installGeneratedWGSLCheck(backend: BackendLike): void {
  if (checked.has(backend)) return;
  checked.add(backend);
  const run = backend.runWebGPUProgram.bind(backend);
  backend.runWebGPUProgram = (program: ProgramLike, ...rest: unknown[]) => {
    if (program.shaderKey.startsWith('semifield')) {
      checkedShaderKeys.add(program.shaderKey);
      const bad = shortCircuitLines(program.getUserCode());
      if (bad.length > 0) {
        throw new Error(
          `generated WGSL of ${program.shaderKey} uses short-circuit operators (use | and &): ${bad
            .slice(0, 3)
            .map((l) => l.trim())
            .join(' / ')}`,
        );
      }
    }
    return run(program, ...rest);
  };
}
