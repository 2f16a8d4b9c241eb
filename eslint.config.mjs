// ESLint for the whole tree: typescript-eslint's recommended rules with type information,
// tuned for this code; Prettier owns formatting (eslint-config-prettier turns off style rules).
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['out/**', 'dist/**', 'media/**', 'node_modules/**', '.vscode-test/**', 'test-results/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { parserOptions: { project: './tsconfig.json', tsconfigRootDir: import.meta.dirname } },
    rules: {
      // Unused names are mistakes, except a leading underscore that says "unused on purpose".
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' },
      ],
      // A promise nobody awaits loses its error: every fire-and-forget must say so with `void`.
      '@typescript-eslint/no-floating-promises': 'error',
      // Walking a parent chain from `this`; `self`/`fake` for the methods of an object literal built in a constructor.
      '@typescript-eslint/no-this-alias': ['error', { allowedNames: ['self', 'scope', 'fake'] }],
      eqeqeq: ['error', 'always', { null: 'ignore' }],
      'no-control-regex': 'off', // the redaction and terminal code match control characters on purpose
    },
  },
  // Tests read JSON replies and drive fakes: `any` is the honest type there.
  { files: ['test/**/*.ts'], rules: { '@typescript-eslint/no-explicit-any': 'off' } },
  // TypeScript checks names itself; plain JavaScript files (scripts, the demo API) run in Node.
  { files: ['**/*.ts'], rules: { 'no-undef': 'off' } },
  { files: ['**/*.mjs', '**/*.js', '**/*.cjs'], ...tseslint.configs.disableTypeChecked },
  { files: ['**/*.mjs', '**/*.js', '**/*.cjs'], languageOptions: { globals: globals.node } },
  {
    files: ['**/*.js', '**/*.cjs'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  prettier,
);
