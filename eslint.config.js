// ESLint flat config: typescript-eslint strict + stylistic, type-aware.
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

export default defineConfig(
  { ignores: ['dist/', 'node_modules/', 'coverage/', '.bench-out/'] },
  js.configs.recommended,
  tseslint.configs.strictTypeChecked,
  tseslint.configs.stylisticTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: { allowDefaultProject: ['eslint.config.js', 'deploy/beanstalk/demo/app/*.mjs'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/restrict-template-expressions': [
        'error',
        { allowNumber: true, allowBoolean: true },
      ],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // Hot-path code uses numeric enums and bit tricks on purpose.
      '@typescript-eslint/prefer-literal-enum-member': 'off',
      '@typescript-eslint/no-unnecessary-condition': ['error', { allowConstantLoopConditions: true }],
      // `x as T` after a bounds check reads better than `x!`, which the strict set forbids anyway.
      '@typescript-eslint/non-nullable-type-assertion-style': 'off',
    },
  },
  {
    // Plain JavaScript shipped as is: the config, and the demo page the Beanstalk bundle runs.
    files: ['eslint.config.js', 'deploy/beanstalk/demo/app/*.mjs'],
    extends: [tseslint.configs.disableTypeChecked],
  },
);
