// Lint rules: typescript-eslint's recommended set on all TypeScript, with `any` forbidden
// (the brief: no `any` where a type can be written) and unused variables as errors.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', 'artifacts/**', 'coverage/**', 'scratch/**', '.cache/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'off',
    },
  },
  {
    files: ['**/*.mjs', '**/*.js'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
  },
  {
    // The operator console's browser modules (type-checked by src/api/console/tsconfig.json).
    files: ['src/api/console/**/*.js'],
    languageOptions: {
      globals: Object.fromEntries(
        [
          'document',
          'sessionStorage',
          'fetch',
          'FormData',
          'URLSearchParams',
          'TextDecoder',
          'AbortController',
          'CSS',
          'confirm',
          'setTimeout',
        ].map((name) => [name, 'readonly']),
      ),
    },
  },
);
