import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const RAW_DATABASE = {
  paths: [
    { name: 'pg', message: 'Only src/db and *.repo.ts talk to the database.' },
    { name: 'drizzle-orm', message: 'Queries belong in *.repo.ts (reached through forTenant(ctx)).', allowTypeImports: true },
  ],
  patterns: [
    { group: ['@electric-sql/*', 'drizzle-orm/*'], message: 'Only src/db and *.repo.ts talk to the database.' },
    { group: ['**/db/schema.js', '**/db/tables/*'], message: 'Tables are reached through a repo, never from services or routes.', allowTypeImports: true },
    { group: ['**/db/client.js'], message: 'Services get the db through deps; queries belong in *.repo.ts.', allowTypeImports: true },
  ],
};

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'data/', 'coverage/', 'scratch/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
    },
  },
  {
    // The tenant cannot be forgotten: the raw client stays out of services, routes, plugins and job definitions.
    files: ['src/modules/**/*.ts', 'src/app/plugins/**/*.ts', 'src/**/*.jobs.ts'],
    ignores: ['src/**/*.repo.ts'],
    rules: { 'no-restricted-imports': ['error', RAW_DATABASE] },
  },
  { files: ['scripts/**/*.mjs'], languageOptions: { globals: { process: 'readonly', console: 'readonly' } } },
  {
    files: ['src/**/*.ts'],
    ignores: ['src/config/env.ts'],
    rules: {
      'no-restricted-properties': ['error', { object: 'process', property: 'env', message: 'Read configuration from Config (src/config/env.ts).' }],
    },
  },
);
