// Flat ESLint config: typescript-eslint's recommended type-aware rules plus Prettier for formatting.
import { readFileSync } from 'node:fs';
import eslint from '@eslint/js';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';

// Files besides repositories and stores that may query the database, each with its reason there.
// src/architecture/tenant-sql.spec.ts reads the same list, and also catches SQL text naming a
// tenant table anywhere else.
const exceptionsFile = new URL('./src/architecture/data-access-exceptions.json', import.meta.url);
const dataAccessExceptions = Object.keys(JSON.parse(readFileSync(exceptionsFile, 'utf8'))).map(
  (path) => `src/${path}`,
);
const managerCalls =
  '/^(find\\w*|save|insert|update|upsert|delete|softDelete|restore|remove|count\\w*|increment|decrement|exists\\w*|sum|average|minimum|maximum|clear|transaction)$/';
const outsideRepository =
  'Tenant data goes through a repository (*.repository.ts) on TenantContext.manager, platform tables through one on the platform connection; see src/architecture/data-access-exceptions.json for the few other files allowed.';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', '.stack/**', '.cache/**', 'scripts/openapi/*.mjs', 'eslint.config.mjs', 'jest.config.js', 'jest.unit.config.js', 'jest.shared.js', 'scripts/swc-register.js', 'test/support/sequencer.js', 'test/support/oidc/*.mjs'] },
  eslint.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  prettier,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
      ],
      // Tenant data must flow through TenantContext's transaction, never a raw repository.
      'no-restricted-imports': [
        'error',
        {
          paths: [
            {
              name: '@nestjs/typeorm',
              importNames: ['InjectRepository', 'InjectEntityManager'],
              message: 'Get the entity manager from TenantContext so RLS applies.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src/**/*.ts'],
    ignores: ['**/*.repository.ts', '**/*.store.ts', '**/*.spec.ts', ...dataAccessExceptions],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector:
            'CallExpression > MemberExpression.callee[property.name=/^(getRepository|createQueryBuilder|query)$/]',
          message: outsideRepository,
        },
        {
          selector: `CallExpression > MemberExpression.callee[object.name='manager'][property.name=${managerCalls}]`,
          message: outsideRepository,
        },
        {
          selector: `CallExpression > MemberExpression.callee[object.property.name='manager'][property.name=${managerCalls}]`,
          message: outsideRepository,
        },
      ],
    },
  },
  {
    files: ['test/**/*.ts', '**/*.spec.ts', 'bench/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/unbound-method': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/require-await': 'off',
    },
  },
);
