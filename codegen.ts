import type { CodegenConfig } from '@graphql-codegen/cli';
import { SUBGRAPH_NAMES, type SubgraphName } from './packages/core/src/subgraph/definition.js';

/**
 * Resolver types for each subgraph, generated from its SDL (`pnpm generate`). Mappers tie GraphQL
 * types to what the data layer returns (`src/mappers.ts` in each subgraph), so a resolver that
 * returns the wrong shape does not compile.
 */
const subgraph = (name: SubgraphName, mappers: Record<string, string>) => ({
  [`subgraphs/${name}/src/generated/resolvers-types.ts`]: {
    schema: ['packages/core/src/subgraph/shared.graphql', `subgraphs/${name}/schema.graphql`],
    plugins: [
      { add: { content: '/* Generated from schema.graphql by `pnpm generate`. Do not edit. */' } },
      'typescript',
      'typescript-resolvers',
    ],
    config: {
      federation: true,
      useTypeImports: true,
      enumsAsTypes: true,
      contextType: '../context.js#Context',
      mapperTypeSuffix: 'Model',
      mappers: Object.fromEntries(Object.entries(mappers).map(([type, model]) => [type, `../mappers.js#${model}`])),
      scalars: { DateTime: { input: 'Date', output: 'Date | string' }, ID: { input: 'string', output: 'string' } },
      resolverTypeWrapperSignature: 'T | Promise<T>',
      avoidOptionals: { field: true, inputValue: false, object: false, defaultValue: false },
    },
  },
});

/** Each subgraph's mappers: a GraphQL type → the model its resolvers receive (`src/mappers.ts`). */
const MAPPERS: Record<SubgraphName, Record<string, string>> = {
  identity: {
    Account: 'Account',
    User: 'User',
    App: 'App',
    ApiKey: 'ApiKey',
    Order: 'Order',
    RetentionPlan: 'RetentionPlan',
    AuthPayload: 'AuthPayload',
    RegisterPayload: 'RegisterPayload',
    AppKeyPayload: 'AppKeyPayload',
    ApiKeySecretPayload: 'ApiKeySecretPayload',
    ChangePasswordPayload: 'ChangePasswordPayload',
    UserConnection: 'UserConnection',
    AppConnection: 'AppConnection',
    AccountConnection: 'AccountConnection',
    ApiKeyConnection: 'ApiKeyConnection',
    OrderConnection: 'OrderConnection',
  },
  devices: {
    Account: 'AccountRef',
    User: 'UserRef',
    Device: 'Device',
    DeviceGroup: 'DeviceGroup',
    DeviceMode: 'DeviceMode',
    DeviceData: 'DeviceData',
    DeviceMark: 'DeviceMark',
    Notification: 'Notification',
    Zone: 'Zone',
    DeviceConnection: 'DeviceConnection',
    DeviceGroupConnection: 'DeviceGroupConnection',
    DeviceModeConnection: 'DeviceModeConnection',
    DeviceDataConnection: 'DeviceDataConnection',
    DeviceMarkConnection: 'DeviceMarkConnection',
    NotificationConnection: 'NotificationConnection',
    WebhookEndpoint: 'WebhookEndpoint',
    WebhookEndpointSecretPayload: 'WebhookEndpointSecretPayload',
    ReplayDeadWebhookDeliveriesPayload: 'ReplayDeadWebhookDeliveriesPayload',
    WebhookDelivery: 'WebhookDelivery',
    WebhookDeliveryAttempt: 'WebhookDeliveryAttempt',
    PushRegistration: 'PushRegistration',
    WebhookEndpointConnection: 'WebhookEndpointConnection',
    WebhookDeliveryConnection: 'WebhookDeliveryConnection',
  },
  profiles: {
    App: 'AppRef',
    Profile: 'Profile',
    ProfileConnection: 'ProfileConnection',
    ErasureReceipt: 'ErasureReceipt',
    ErasurePart: 'ErasurePart',
  },
  analytics: {
    App: 'AppRef',
    Device: 'DeviceRef',
    DeviceData: 'DeviceDataRef',
    DeviceMark: 'DeviceMarkRef',
    Action: 'Action',
    ActionConnection: 'ActionConnection',
    FaceAnalysis: 'FaceAnalysis',
    AnalysisJob: 'AnalysisJob',
    AnalysisJobConnection: 'AnalysisJobConnection',
  },
};

const config: CodegenConfig = {
  overwrite: true,
  generates: Object.assign({}, ...SUBGRAPH_NAMES.map((name) => subgraph(name, MAPPERS[name]))),
};

export default config;
