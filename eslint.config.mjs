// ESLint: TypeScript rules, and the import boundaries of docs/architecture.md checked by the
// linter so that nobody has to remember them. Layers, outermost first:
//   entry (src/index.ts) → http, data-plane, durable-objects → compose → services → adapters
//   → schemas → core
// Each zone below forbids an import that would point outwards (or skip the services layer).
// docs/architecture.md §1 shows the picture.
import js from '@eslint/js'
import importX from 'eslint-plugin-import-x'
import tseslint from 'typescript-eslint'

/** One zone of import-x/no-restricted-paths: files in `target` may not import from `from`. */
const zone = (target, from, message, except) => ({ target, from, message, ...(except ? { except } : {}) })

const OUTER = ['./src/index.ts', './src/http', './src/data-plane', './src/durable-objects']

export default tseslint.config(
  {
    ignores: [
      'node_modules/',
      'dist/',
      '.wrangler/',
      'artifacts/',
      'public/',
      'worker-configuration.d.ts',
      '.stryker-tmp/',
      'reports/',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2023, sourceType: 'module' },
    plugins: { 'import-x': importX },
    settings: {
      'import-x/resolver-next': [importX.createNodeResolver({ extensions: ['.ts', '.tsx', '.js', '.mjs', '.json'] })],
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      'no-undef': 'off',
    },
  },
  {
    files: ['src/**/*.{ts,tsx}'],
    rules: {
      // Cycles through runtime imports anywhere in src (type-only imports vanish at build time).
      'import-x/no-cycle': ['error', { maxDepth: Infinity }],
      'import-x/no-restricted-paths': [
        'error',
        {
          zones: [
            zone('./src/core', './src', 'core is pure: it imports nothing outside src/core.', ['./core']),
            zone('./src/schemas', './src', 'schemas build on core only.', ['./schemas', './core']),
            zone(
              './src/adapters',
              ['./src/services', './src/compose.ts', ...OUTER],
              'adapters wrap bindings for services; they never call inwards-facing layers.',
            ),
            zone(
              './src/services',
              ['./src/compose.ts', ...OUTER],
              'services are called by the outer layers, never the other way.',
            ),
            zone(
              ['./src/http', './src/data-plane'],
              './src/adapters',
              'go through a service (built by src/compose.ts): services are the only door to D1, KV and Durable Objects.',
            ),
            zone(
              './src/http',
              ['./src/data-plane', './src/durable-objects'],
              'http is one of the outer layers; share code through services or core.',
            ),
            zone(
              './src/data-plane',
              ['./src/http', './src/durable-objects'],
              'the data plane does not depend on the admin app.',
            ),
            zone(
              './src/durable-objects',
              ['./src/http', './src/data-plane'],
              'Durable Objects call use-case modules in services.',
            ),
            zone(
              ['./src/ui', './src/cli'],
              ['./src/adapters', './src/services', './src/durable-objects', './src/data-plane', './src/compose.ts'],
              'the dashboard and the CLI read views from src/schemas, not from adapters or services.',
            ),
          ],
        },
      ],
    },
  },
  {
    files: ['test/**/*.ts', 'scripts/**/*.ts'],
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-explicit-any': 'off',
      // CLI output is matched with its exact spacing.
      'no-regex-spaces': 'off',
    },
  },
  {
    // Ambient declaration files can only reach module types through import().
    files: ['**/*.d.ts'],
    rules: { '@typescript-eslint/consistent-type-imports': 'off' },
  },
)
