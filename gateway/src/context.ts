import type { AuthState, Logger } from '@iris/core';

/** The gateway's per-request context: who is calling, and what to forward to subgraphs. */
export interface GatewayContext {
  requestId: string;
  logger: Logger;
  auth: AuthState;
  /** Credentials passed through to every subgraph, which verifies them again. */
  forwardHeaders: Record<string, string>;
  /** The caller's address (from `X-Forwarded-For` only behind a trusted proxy); anonymous rate limits key on it. */
  clientAddress: string;
  /** Set on executions the gateway makes itself (a subscription event's federated fields): not counted again. */
  internal?: boolean;
}
