import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'node_modules/**',
      '.cache/**',
      'data/**',
      'bin/**',
      'scripts/**',
      'eslint.config.js',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // A failed assert.ok(x) with no message makes node's assert read the test's (transformed) source to
    // write one, which can take seconds per call; inside a retry loop that becomes a hang. Retried checks
    // say what they wait for.
    files: ['test/**/*.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector:
            ":matches(CallExpression[callee.name='eventually'], CallExpression[callee.name='waitFor']) CallExpression[callee.object.name='assert'][callee.property.name='ok'][arguments.length=1]",
          message:
            'Give assert.ok a message inside eventually/waitFor: without one a failed try can take seconds.',
        },
        {
          selector:
            ":matches(CallExpression[callee.name='eventually'], CallExpression[callee.name='waitFor']) CallExpression[callee.name='assert'][arguments.length=1]",
          message:
            'Give assert a message inside eventually/waitFor: without one a failed try can take seconds.',
        },
      ],
    },
  },
);
