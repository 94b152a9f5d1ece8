import type { AuthState, Logger } from '@iris/core';

/** The gateway's per-request context: who is calling, and what to forward to subgraphs. */
export interface GatewayContext {
  requestId: string;
  logger: Logger;
  auth: AuthState;
  /** Credentials passed through to every subgraph, which verifies them again. */
  forwardHeaders: Record<string, string>;
}
