import { requireResolvedOperation } from '../engine/index.js';
import type { GatewayPlugin } from '../plugin.js';

/** An operation the document does not hold is the client's 400, not a masked 500 (see `requireResolvedOperation`). */
export function useOperationResolution(): GatewayPlugin {
  return { name: 'operation-resolution', apollo: [requireResolvedOperation()] };
}
