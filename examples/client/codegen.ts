import type { CodegenConfig } from '@graphql-codegen/cli';

/**
 * Typed documents for the operations in `src/operations.ts`, generated from the API schema the gateway
 * serves (`schema/api.graphql`, written by `pnpm compose`). Run from this folder: `pnpm codegen`
 * (`pnpm generate` at the root runs it too, and `pnpm install` runs that).
 */
const config: CodegenConfig = {
  overwrite: true,
  schema: '../../schema/api.graphql',
  documents: ['src/operations.ts'],
  ignoreNoDocuments: false,
  generates: {
    'src/generated/': {
      preset: 'client',
      presetConfig: { fragmentMasking: false },
      config: {
        useTypeImports: true,
        emitLegacyCommonJSImports: false,
        scalars: { DateTime: 'string' },
      },
    },
  },
};

export default config;
