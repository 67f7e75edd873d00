import type { CodegenConfig } from '@graphql-codegen/cli';

// Types for every query in src/ come from the server's schema, so a schema change
// that breaks the UI breaks `npm run build` (codegen, then tsc).
const config: CodegenConfig = {
  schema: ['../schema.graphqls', '../compat/*/*.graphqls'],
  documents: ['src/**/*.{ts,tsx}', '!src/gql/**/*'],
  ignoreNoDocuments: false,
  generates: {
    'src/gql/': {
      preset: 'client',
      presetConfig: { fragmentMasking: false },
      config: {
        enumsAsTypes: true,
        useTypeImports: true,
        skipTypename: false,
        scalars: { Time: 'string', Cursor: 'string', JSON: 'unknown', ID: 'string', PackagesPackageID: 'string', PackagesPackageFileID: 'string' },
      },
    },
  },
  silent: false,
};
export default config;
