import type { TestGraph } from './graph.js';

/** Creates an API key for an app through the graph, as its owner would, and returns the secret. */
export async function createApiKey(graph: TestGraph, ownerToken: string, appId: string, scopes: string[]): Promise<string> {
  const result = await graph.request<{ createApiKey: { secret: string } }>(
    `mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { secret } }`,
    { input: { appId, name: `test ${scopes.join(' ')}`, scopes } },
    { token: ownerToken },
  );
  if (!result.data) throw new Error(`createApiKey failed: ${JSON.stringify(result.errors)}`);
  return result.data.createApiKey.secret;
}
