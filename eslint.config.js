import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// Node's globals for plain JavaScript files (TypeScript checks its own files).
const nodeGlobals = Object.fromEntries(
  [
    'process',
    'console',
    'URL',
    'performance',
    'setTimeout',
    'clearTimeout',
    'Buffer',
    'AbortController',
    'fetch',
  ].map((name) => [name, 'readonly']),
);

export default tseslint.config(
  {
    ignores: [
      '**/dist/**',
      '**/node_modules/**',
      '**/.turbo/**',
      '**/.data/**',
      '**/bench/.out/**',
      '**/.bundle-*/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  { files: ['**/*.js', '**/*.mjs'], languageOptions: { globals: nodeGlobals } },
  { files: ['**/*.ts'], rules: { 'no-undef': 'off' } },
  {
    rules: {
      'no-empty': ['error', { allowEmptyCatch: false }],
      'no-console': ['error', { allow: ['error'] }],
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
    },
  },
  {
    files: ['**/test/**', '**/*.test.ts', '**/bench/**', '.ci/**', 'scripts/**'],
    rules: { 'no-console': 'off' },
  },
);
