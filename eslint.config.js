// One lint config for the whole monorepo: typed rules catch floating promises and unsafe any.
import js from '@eslint/js';
import checkFile from 'eslint-plugin-check-file';
import globals from 'globals';
import tseslint from 'typescript-eslint';

// Apps share code through packages/*, never with each other; packages and tools never import apps.
const APPS = ['fullstack-api', 'order-service', 'order-worker', 'inference-server'];
const importsOf = (apps) =>
  apps.flatMap((app) => [`@taller/${app}`, `@taller/${app}/*`, `**/${app}/**`]);
const boundary = (files, apps, message) => ({
  files,
  rules: {
    'no-restricted-imports': ['error', { patterns: [{ group: importsOf(apps), message }] }],
  },
});

export default tseslint.config(
  {
    ignores: ['**/dist/**', '**/node_modules/**', '**/.turbo/**', '.tools/**', '**/coverage/**'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      globals: { ...globals.node },
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      // Fastify handlers are async by convention even when they await nothing.
      '@typescript-eslint/require-await': 'off',
    },
  },
  ...APPS.map((app) =>
    boundary(
      [`apps/${app}/**`],
      APPS.filter((other) => other !== app),
      'An app never imports another app: share the code through a package of packages/*.',
    ),
  ),
  boundary(['packages/**', 'tools/**'], APPS, 'Packages and tools never import an app.'),
  // A function does one thing: past 60 lines it is split into one function per outcome. Tests are
  // exempt (a describe block holds many cases).
  {
    files: ['**/*.{ts,mjs}'],
    ignores: ['**/test/**', '**/*.test.ts'],
    rules: {
      'max-lines-per-function': ['error', { max: 60, skipBlankLines: true, skipComments: true }],
    },
  },
  // One file-name case for code everywhere: taskRoutes.ts, queueConsumer.test.ts, steadyLoad.mjs.
  {
    files: ['**/*.{ts,js,mjs,cjs}'],
    // A module's type declarations carry the module's own name.
    ignores: ['**/*.d.ts'],
    plugins: { 'check-file': checkFile },
    rules: {
      'check-file/filename-naming-convention': [
        'error',
        { '**/*.{ts,js,mjs,cjs}': 'CAMEL_CASE' },
        { ignoreMiddleExtensions: true },
      ],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    files: ['**/public/**/*.js'],
    languageOptions: { globals: { ...globals.browser } },
  },
);
