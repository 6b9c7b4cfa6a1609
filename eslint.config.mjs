// Lint rules that carry architecture: the dependency rules of STYLE.md section 2, with no
// allow-list entries. Type-aware rules are left out on purpose: `tsc -b` already type-checks the
// tree, and a type-aware lint of every package would double `npm test` time on 2 cores.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import importX, { createNodeResolver } from 'eslint-plugin-import-x';

const drivers = ['@nats-io/*', 'mongodb', 'better-sqlite3', 'pino', 'openai', 'simple-git', '@autopilot/git'];
const deepImports = {
  group: ['@autopilot/*/src', '@autopilot/*/src/**', '@autopilot/*/dist/**'],
  message: 'Import a package by its name (or its ./testing entry), never its src/ or dist/.',
};

export default tseslint.config(
  {
    ignores: [
      '**/dist/**',
      '**/node_modules/**',
      'coverage/**',
      '.autopilot/**',
      'contracts/schemas/**',
      'contracts/validators/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    plugins: { 'import-x': importX },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
      'import-x/no-cycle': ['error', { maxDepth: 10 }],
      'no-restricted-imports': ['error', { patterns: [deepImports] }],
    },
    settings: {
      'import-x/resolver-next': [createNodeResolver({ extensions: ['.ts', '.js', '.json'] })],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
      'import-x/extensions': ['.ts', '.js'],
    },
  },
  {
    files: ['services/*/src/domain/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            deepImports,
            {
              group: [
                '@nestjs/*',
                '@opentelemetry/*',
                'node:*',
                ...drivers,
                '**/app/**',
                '**/adapters/**',
                '**/handlers/**',
              ],
              message:
                'domain/ is pure: no frameworks, drivers, OTel, node built-ins, app/, adapters/ or handlers/.',
            },
          ],
        },
      ],
      'no-restricted-syntax': [
        'error',
        {
          selector: "CallExpression[callee.object.name='Date'][callee.property.name='now']",
          message: 'Time arrives as data (Clock port).',
        },
        {
          selector: "NewExpression[callee.name='Date'][arguments.length=0]",
          message: 'Time arrives as data (Clock port).',
        },
        {
          selector: "CallExpression[callee.object.name='Math'][callee.property.name='random']",
          message: 'Randomness arrives as data (IdSource port).',
        },
        {
          selector: "CallExpression[callee.name='randomUUID']",
          message: 'Ids arrive as data (IdSource port).',
        },
      ],
    },
  },
  {
    files: ['services/*/src/app/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            deepImports,
            {
              group: [
                '@nats-io/*',
                'mongodb',
                'better-sqlite3',
                'simple-git',
                '@autopilot/git',
                '**/adapters/**',
              ],
              message: 'app/ talks to ports, not adapters or drivers.',
            },
            {
              group: ['@nestjs/*', '!@nestjs/common'],
              message: 'app/ may use @nestjs/common (Injectable/Inject) only.',
            },
          ],
        },
      ],
      'no-restricted-syntax': [
        'error',
        {
          selector: "CallExpression[callee.property.name='collection']",
          message: 'app/ persists through a repository port (app/ports.ts), never a store collection.',
        },
      ],
    },
  },
  {
    files: ['services/*/src/handlers/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            deepImports,
            {
              group: [...drivers, '**/adapters/**'],
              message: 'handlers/ call app/ use cases; adapters and drivers stay out.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['services/*/src/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-properties': [
        'error',
        {
          object: 'process',
          property: 'env',
          message:
            'A service declares its settings (ServiceDefinition.settings); the runtime reads the environment.',
        },
      ],
    },
  },
  {
    files: ['packages/*/bin/*.js', 'jest.config.js'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: { require: 'readonly', module: 'writable', __dirname: 'readonly' },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
