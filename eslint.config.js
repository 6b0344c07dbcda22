import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

/*
 * The floors of the house (docs/architecture.md): an import only ever goes down.
 *
 *   start/ cli/  →  app.ts runtime/  →  http/  →  services.ts  →  domain/  →  storage/  →  contract/ shared/
 *
 * Each entry names what the files of a floor must not import; a back-arrow fails `npm run lint`
 * (and so `npm test`). Patterns match the import path as written.
 */
const floor = (name, regex) => ({ name, regex });
const START = floor('start/', '(^|/)start/');
const CLI = floor('cli/', '(^|/)cli/');
const APP = floor('app.ts', '(^|/)app\\.js$');
const RUNTIME = floor('runtime/', '(^|/)runtime/');
const HTTP = floor('http/', '(^|/)http/');
const SERVICES = floor('services.ts', '(^|/)services\\.js$');
const DOMAIN = floor('domain/', '(^|/)domain/');
const STORAGE = floor('storage/', '(^|/)storage/');
const CONTRACT = floor('contract/', '(^|/)contract/');
const SHARED = floor('shared/', '(^|/)shared/');
const FASTIFY = floor('an HTTP framework', '^(fastify|@fastify/)');

const forbid = (files, what, floors) => ({
  files,
  rules: {
    'no-restricted-imports': [
      'error',
      {
        patterns: floors.map((f) => ({
          regex: f.regex,
          message: `${what} must not import ${f.name}: imports go down the floors only (docs/architecture.md).`,
        })),
      },
    ],
  },
});

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'data/**', '.tmp/**', 'bench/.out/**', 'openapi.json'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': 'off',
    },
  },
  {
    files: ['src/**/*.ts'],
    ignores: ['src/shared/config.ts'],
    rules: {
      // shared/config.ts is the only reader of the environment (ARCHITECTURE §3.5).
      'no-restricted-properties': [
        'error',
        { object: 'process', property: 'env', message: 'Read configuration through loadConfig()' },
      ],
    },
  },
  forbid(['src/app.ts'], 'app.ts', [START, CLI, RUNTIME]),
  forbid(['src/runtime/**/*.ts'], 'runtime/', [START, CLI, APP, HTTP]),
  forbid(['src/http/**/*.ts'], 'http/', [START, CLI, APP, RUNTIME, STORAGE]),
  forbid(['src/services.ts'], 'services.ts', [START, CLI, APP, RUNTIME, HTTP, FASTIFY]),
  forbid(['src/domain/**/*.ts'], 'domain/', [START, CLI, APP, RUNTIME, HTTP, SERVICES, FASTIFY]),
  forbid(['src/storage/**/*.ts'], 'storage/', [START, CLI, APP, RUNTIME, HTTP, SERVICES, DOMAIN, FASTIFY]),
  forbid(['src/contract/**/*.ts'], 'contract/', [
    START,
    CLI,
    APP,
    RUNTIME,
    HTTP,
    SERVICES,
    DOMAIN,
    STORAGE,
    SHARED,
    FASTIFY,
  ]),
  forbid(['src/shared/**/*.ts'], 'shared/', [
    START,
    CLI,
    APP,
    RUNTIME,
    HTTP,
    SERVICES,
    DOMAIN,
    STORAGE,
    CONTRACT,
    FASTIFY,
  ]),
  // The typed client (`campaignd/client`) runs in other people's processes: it carries nothing of the server.
  forbid(['src/client/**/*.ts'], 'client/', [
    START,
    CLI,
    APP,
    RUNTIME,
    HTTP,
    SERVICES,
    DOMAIN,
    STORAGE,
    CONTRACT,
    SHARED,
    FASTIFY,
  ]),
  // The console (web/src, built by Vite) runs in the browser: browser globals, and of the
  // server's code only the typed client, which carries nothing of the server.
  {
    files: ['web/**/*.{ts,tsx}'],
    languageOptions: { globals: globals.browser },
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '(^|/)src/(?!client/)',
              message: 'The console imports only the typed client (src/client) of the server code (docs/console.md).',
            },
            { regex: '^(node:|fastify|@fastify/)', message: 'The console runs in the browser (docs/console.md).' },
          ],
        },
      ],
    },
  },
  {
    files: ['web/vite.config.ts'],
    languageOptions: { globals: globals.node },
    rules: { 'no-restricted-imports': 'off' },
  },
  {
    files: ['bin/**/*.js'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
  },
);
