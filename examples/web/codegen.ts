import type { CodegenConfig } from '@graphql-codegen/cli';

/**
 * Typed documents for the operations in `src/operations.ts`, generated from the API schema the gateway
 * serves (`schema/api.graphql`). Run from this folder: `pnpm codegen` (`pnpm install` at the root runs it).
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
