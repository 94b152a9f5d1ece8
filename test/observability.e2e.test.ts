import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { DEMO, operationLabel, tracingEnabled, tracingRequested } from '@iris/core';
import { createClient as createSseClient } from 'graphql-sse';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGraph, type TestGraph } from './support/graph.js';
import { startIrisProcess, type IrisProcess } from './support/irisProcess.js';

const SIGN_IN = 'mutation SignIn($input: LoginInput!) { login(input: $input) { accessToken } }';

/** One sample's value from the text exposition, by metric name and exact labels; 0 when absent. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  const wanted = Object.entries(labels);
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const labelText = line.slice(name.length).match(/^\{(.*)\}/)?.[1] ?? '';
    const have = Object.fromEntries([...labelText.matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.keys(have).length !== wanted.length || !wanted.every(([k, v]) => have[k] === v)) continue;
    return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return 0;
}

describe('metrics', () => {
  let graph: TestGraph;
  const metricsUrl = () => new URL('/metrics', graph.url).toString();
  const scrape = async () => {
    const response = await fetch(metricsUrl());
    expect(response.status).toBe(200);
    return { contentType: response.headers.get('content-type') ?? '', text: await response.text() };
  };
  const until = async (check: (text: string) => boolean) => {
    for (let i = 0; i < 100; i++) {
      const { text } = await scrape();
      if (check(text)) return text;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error('metrics never reached the expected state');
  };

  beforeAll(async () => {
    graph = await startTestGraph();
  });
  afterAll(() => graph?.stop());

  it('is off the hot path without OTEL_* variables: no SDK loaded, no tracing plugin', () => {
    expect(tracingRequested({})).toBe(false);
    expect(tracingEnabled()).toBe(false);
    const loaded = Object.keys(createRequire(import.meta.url).cache);
    expect(loaded.filter((path) => path.includes('@opentelemetry/sdk-node'))).toEqual([]);
    expect(tracingRequested({ OTEL_TRACES_EXPORTER: 'console' })).toBe(true);
    expect(tracingRequested({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' })).toBe(true);
    expect(tracingRequested({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_SDK_DISABLED: 'true' })).toBe(false);
    expect(tracingRequested({ OTEL_TRACES_EXPORTER: 'none', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' })).toBe(false);
  });

  it('counts operations by service, name, type and outcome, with latency histograms and subgraph calls', async () => {
    const before = (await scrape()).text;
    const ok = await graph.request(SIGN_IN, { input: { email: DEMO.mainUser.email, password: DEMO.password } });
    expect(ok.errors).toBeUndefined();
    const refused = await graph.request(SIGN_IN, { input: { email: DEMO.mainUser.email, password: 'not-the-password-1' } });
    expect(refused.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    const invalid = await graph.request('query Broken { noSuchField }');
    expect(invalid.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');

    const { contentType, text } = await scrape();
    expect(contentType).toMatch(/^text\/plain; version=0\.0\.4/);
    const delta = (name: string, labels: Record<string, string>) => sample(text, name, labels) - sample(before, name, labels);
    const ops = 'iris_graphql_operations_total';
    expect(delta(ops, { service: 'gateway', operation: 'SignIn', type: 'mutation', outcome: 'success' })).toBe(1);
    expect(delta(ops, { service: 'gateway', operation: 'SignIn', type: 'mutation', outcome: 'UNAUTHENTICATED' })).toBe(1);
    expect(delta(ops, { service: 'gateway', operation: 'unknown', type: 'unknown', outcome: 'GRAPHQL_VALIDATION_FAILED' })).toBe(1);
    // The subgraph's fetch (`SignIn__identity__0`) is labelled with the client's operation name.
    expect(delta(ops, { service: 'identity', operation: 'SignIn', type: 'mutation', outcome: 'success' })).toBe(1);
    expect(delta(ops, { service: 'identity', operation: 'SignIn', type: 'mutation', outcome: 'UNAUTHENTICATED' })).toBe(1);

    const hist = 'iris_graphql_operation_duration_seconds';
    const signIn = { service: 'gateway', operation: 'SignIn', type: 'mutation' };
    expect(delta(`${hist}_count`, signIn)).toBe(2);
    expect(delta(`${hist}_bucket`, { ...signIn, le: '+Inf' })).toBe(2);
    expect(sample(text, `${hist}_sum`, signIn)).toBeGreaterThan(0);
    for (const le of ['0.005', '0.05', '0.5', '10'])
      expect(text).toContain(`${hist}_bucket{le="${le}",service="gateway",operation="SignIn",type="mutation"}`);

    expect(delta('iris_subgraph_requests_total', { subgraph: 'identity', outcome: 'success' })).toBe(1);
    expect(delta('iris_subgraph_requests_total', { subgraph: 'identity', outcome: 'graphql_error' })).toBe(1);
    expect(delta('iris_subgraph_request_duration_seconds_count', { subgraph: 'identity' })).toBe(2);
    expect(text).toContain('iris_subgraph_request_duration_seconds_bucket{le="0.001",subgraph="identity"}');

    expect(text).toMatch(/^iris_analysis_queue_depth 0$/m);
    // prom-client's process metrics.
    expect(text).toMatch(/^process_cpu_user_seconds_total \d/m);
    expect(text).toMatch(/^nodejs_eventloop_lag_seconds \d/m);
  });

  it('bounds operation names: anonymous and planner fetch names collapse, then `other` past the cap', () => {
    expect(operationLabel(undefined)).toBe('anonymous');
    expect(operationLabel('Feed__devices__12')).toBe('Feed');
    expect(operationLabel('My__Query__analytics__0')).toBe('My__Query');
    for (let i = 0; i < 250; i++) operationLabel(`Generated${i}`);
    expect(operationLabel('YetAnotherNewName')).toBe('other');
    expect(operationLabel('SignIn')).toBe('SignIn');
  });

  it('shows open subscriptions going up and down with a graphql-ws client', async () => {
    const token = await graph.login();
    const open = (text: string) => sample(text, 'iris_subscriptions_open', { transport: 'websocket' });
    const start = open((await scrape()).text);
    const client: Client = createClient({
      url: graph.url.replace(/^http/, 'ws'),
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${token}` },
      retryAttempts: 0,
    });
    const stops = [0, 1].map(() =>
      client.subscribe({ query: 'subscription { deviceMarkCreated { id } }' }, { next: () => {}, error: () => {}, complete: () => {} }),
    );
    await until((text) => open(text) === start + 2);
    stops[0]!();
    await until((text) => open(text) === start + 1);
    await client.dispose();
    await until((text) => open(text) === start);
  });

  it('shows open subscriptions over server-sent events too', async () => {
    const token = await graph.login();
    const open = (text: string) => sample(text, 'iris_subscriptions_open', { transport: 'sse' });
    const start = open((await scrape()).text);
    const sse = createSseClient({
      url: graph.url.replace(/\/graphql$/, '/graphql/stream'),
      headers: { authorization: `Bearer ${token}` },
      retryAttempts: 0,
    });
    const stop = sse.subscribe(
      { query: 'subscription { deviceMarkCreated { id } }' },
      { next: () => {}, error: () => {}, complete: () => {} },
    );
    await until((text) => open(text) === start + 1);
    stop();
    sse.dispose();
    await until((text) => open(text) === start);
  });
});

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes: { key: string; value: { stringValue?: string; intValue?: string | number } }[];
  scope: string;
}

const SERVER = 2;
const CLIENT = 3;
const attribute = (span: OtlpSpan, key: string) => {
  const value = span.attributes.find((a) => a.key === key)?.value;
  return value?.stringValue ?? (value?.intValue !== undefined ? String(value.intValue) : undefined);
};

/**
 * `pnpm start`'s entry point in a child process, with tracing turned on by the standard variables and
 * exporting OTLP/HTTP (JSON) to a small receiver in this test: real export, nothing mocked.
 */
describe('tracing', () => {
  let receiver: Server;
  let iris: IrisProcess | undefined;
  let gatewayUrl: string;
  const spans: OtlpSpan[] = [];

  beforeAll(async () => {
    receiver = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', () => {
        if (request.url === '/v1/traces') {
          const payload = JSON.parse(body) as {
            resourceSpans: { scopeSpans: { scope: { name: string }; spans: Omit<OtlpSpan, 'scope'>[] }[] }[];
          };
          for (const resource of payload.resourceSpans)
            for (const scope of resource.scopeSpans) for (const span of scope.spans) spans.push({ ...span, scope: scope.scope.name });
        }
        response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const { port } = receiver.address() as AddressInfo;

    iris = await startIrisProcess({
      OTEL_TRACES_EXPORTER: 'otlp',
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_BSP_SCHEDULE_DELAY: '50',
      OTEL_SERVICE_NAME: 'iris-test',
    });
    gatewayUrl = iris.url;
  }, 120_000);

  afterAll(async () => {
    await iris?.stop();
    await new Promise((resolve) => receiver?.close(resolve));
  });

  it('makes one gateway request one trace: gateway spans, the HTTP hop, and the subgraph spans under it', async () => {
    const response = await fetch(gatewayUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': 'trace-test-1' },
      body: JSON.stringify({
        query: 'mutation ForgotPassword($i: RequestPasswordResetInput!) { requestPasswordReset(input: $i) { accepted } }',
        variables: { i: { email: DEMO.mainUser.email } },
      }),
    });
    expect(await response.json()).toEqual({ data: { requestPasswordReset: { accepted: true } } });

    const find = (predicate: (span: OtlpSpan) => boolean) => spans.find(predicate);
    const subgraphOperation = (span: OtlpSpan) => span.name === 'mutation ForgotPassword__identity__0';
    for (let i = 0; i < 100 && !(find(subgraphOperation) && find((s) => s.name === 'mutation ForgotPassword')); i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const gatewayOperation = find((s) => s.name === 'mutation ForgotPassword');
    expect(gatewayOperation, `spans received: ${spans.map((s) => s.name).join(', ')}`).toBeDefined();
    const traceId = gatewayOperation!.traceId;
    const inTrace = spans.filter((s) => s.traceId === traceId);
    const byId = new Map(inTrace.map((s) => [s.spanId, s]));
    const parentOf = (span: OtlpSpan) => (span.parentSpanId ? byId.get(span.parentSpanId) : undefined);

    expect(attribute(gatewayOperation!, 'graphql.operation.name')).toBe('ForgotPassword');
    expect(attribute(gatewayOperation!, 'graphql.operation.type')).toBe('mutation');
    expect(attribute(gatewayOperation!, 'iris.service')).toBe('gateway');
    // The gateway's HTTP server span is the root.
    const gatewayServer = parentOf(gatewayOperation!)!;
    expect(gatewayServer).toMatchObject({ kind: SERVER, scope: '@opentelemetry/instrumentation-http' });
    expect(gatewayServer.parentSpanId ?? '').toBe('');
    expect(attribute(gatewayServer, 'server.port')).toBe(new URL(gatewayUrl).port);

    // The subgraph fetch, under the operation; the HTTP call inside it.
    const fetchSpan = inTrace.find((s) => s.name === 'subgraph identity')!;
    expect(fetchSpan).toMatchObject({ kind: CLIENT, parentSpanId: gatewayOperation!.spanId });
    expect(attribute(fetchSpan, 'graphql.operation.name')).toBe('ForgotPassword__identity__0');
    const httpCall = inTrace.find((s) => s.kind === CLIENT && s.parentSpanId === fetchSpan.spanId)!;
    expect(httpCall.scope).toMatch(/@opentelemetry\/instrumentation-(undici|http)/);

    // Across the hop: identity's HTTP server span continues the gateway's traceparent.
    const subgraphServer = inTrace.find((s) => s.kind === SERVER && s.parentSpanId === httpCall.spanId)!;
    expect(subgraphServer.scope).toBe('@opentelemetry/instrumentation-http');
    const identityOperation = inTrace.find(subgraphOperation)!;
    expect(identityOperation.parentSpanId).toBe(subgraphServer.spanId);
    expect(attribute(identityOperation, 'iris.service')).toBe('identity');
    expect(attribute(identityOperation, 'graphql.operation.type')).toBe('mutation');

    // Log lines written while the request is served (here by identity's service logger) carry the
    // trace and span ids; request loggers' lines keep their requestId beside them.
    await new Promise((resolve) => setTimeout(resolve, 100));
    const line = iris!
      .output()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .find((l) => l.msg === 'verification code sent to the outbox');
    expect(line).toMatchObject({ subgraph: 'identity', traceId, spanId: expect.stringMatching(/^[0-9a-f]{16}$/) });
    for (let i = 0; i < 50 && !spans.some((s) => s.spanId === line!.spanId); i++) await new Promise((resolve) => setTimeout(resolve, 100));
    expect(spans.find((s) => s.spanId === line!.spanId)).toMatchObject({ traceId, kind: SERVER });
  });
});
