// ESLint: correctness rules only (Prettier owns layout, see .prettierrc.json). Not type-checked:
// `tsc` already runs in `npm run typecheck`, and the untyped rules keep `npm run lint` quick.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** The few Node globals the plain-JS config and build scripts use (no `globals` package needed). */
const nodeGlobals = {
  process: 'readonly',
  console: 'readonly',
  URL: 'readonly',
  Buffer: 'readonly',
  setTimeout: 'readonly',
  clearTimeout: 'readonly',
};

export default tseslint.config(
  {
    // Build outputs, installed packages, device-run and scratch folders, generated study outputs.
    ignores: [
      'dist/**',
      'node_modules/**',
      '.device/**',
      'scratch/**',
      '.scratch*/**',
      'test-artifacts/**',
      'examples/**/out/**',
      'examples/browser-demo/dist/**',
      'examples/*/results/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: {globals: nodeGlobals},
  },
  {
    rules: {
      // Unused bindings are real leftovers; a leading underscore marks a deliberately unused one
      // (a kernel signature's parameter, a destructured slot).
      '@typescript-eslint/no-unused-vars': [
        'error',
        {argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', ignoreRestSiblings: true},
      ],
    },
  },
  {
    // chai's property assertions (`expect(v).to.be.NaN`, `.to.be.true`) are expressions by design.
    files: ['test/**/*.ts'],
    rules: {'@typescript-eslint/no-unused-expressions': 'off'},
  },
);
