/**
 * The Apollo Client the page talks to Iris with: queries and mutations over HTTP, subscriptions over
 * graphql-ws on the same endpoint, the access token on both, connections merged page by page in the
 * cache, and the session refreshed before its access token expires.
 */
import { ApolloClient, ApolloLink, HttpLink, InMemoryCache } from '@apollo/client';
import { SetContextLink } from '@apollo/client/link/context';
import { GraphQLWsLink } from '@apollo/client/link/subscriptions';
import { relayStylePagination } from '@apollo/client/utilities';
import { OperationTypeNode } from 'graphql';
import { createClient, type Client as WsClient } from 'graphql-ws';
import { RefreshSession } from './operations.js';
import type { SessionStore } from './session.js';

declare module '@apollo/client' {
  interface DefaultContext {
    /** Send no access token: `login` and `refreshToken` need none, and an expired one would be refused. */
    withoutToken?: boolean;
  }
}

/** How long before the access token expires the session is refreshed. */
const REFRESH_AHEAD_MS = 60_000;

export interface Iris {
  client: ApolloClient;
  /** The graphql-ws client: it connects with the first subscription and closes after the last. */
  ws: WsClient;
  /** Stops the refresh timer and closes the client's connections. */
  dispose: () => Promise<void>;
}

export function createIris(options: { httpUrl: string; session: SessionStore }): Iris {
  const { session } = options;

  // Each refresh token works once, so one refresh at a time. A subscription's socket was opened with the
  // old token, and the gateway ends its streams when that token expires, so the socket is reopened with the
  // new one (graphql-ws reconnects and subscribes again).
  let refreshing: Promise<void> | undefined;
  const refresh = () =>
    (refreshing ??= (async () => {
      const current = session.current;
      if (!current) return;
      try {
        const { data } = await client.mutate({
          mutation: RefreshSession,
          variables: { input: { refreshToken: current.refreshToken } },
          context: { withoutToken: true },
        });
        if (session.current === current && data) session.set(data.refreshToken);
        ws.terminate();
      } catch {
        // The refresh token was used, expired or revoked: sign in again.
        if (session.current === current) session.set(null);
      }
    })().finally(() => (refreshing = undefined)));

  /** The header value to send; a token that has expired (a reload, a laptop waking up) is refreshed first. */
  const authorization = async () => {
    if (session.current && Date.parse(session.current.expiresAt) <= Date.now() + 5_000) await refresh();
    return session.current ? `Bearer ${session.current.accessToken}` : undefined;
  };

  // The gateway reads a WebSocket's credentials from `connection_init`, the same header value as over HTTP.
  const ws = createClient({
    url: options.httpUrl.replace(/^http/, 'ws'),
    connectionParams: async () => {
      const value = await authorization();
      return value ? { authorization: value } : {};
    },
  });

  const withToken = new SetContextLink(async (context) => {
    const value = context.withoutToken ? undefined : await authorization();
    return value ? { headers: { ...context.headers, authorization: value } } : {};
  });
  const link = ApolloLink.split(
    (operation) => operation.operationType === OperationTypeNode.SUBSCRIPTION,
    new GraphQLWsLink(ws),
    ApolloLink.from([withToken, new HttpLink({ uri: options.httpUrl })]),
  );

  const client = new ApolloClient({
    link,
    cache: new InMemoryCache({
      typePolicies: {
        // `fetchMore({ variables: { after: endCursor } })` appends the next page to the list in the cache;
        // the page size and cursor are not part of the list's identity, the filter and order are.
        Query: { fields: { deviceMarks: relayStylePagination(['filter', 'orderBy']) } },
      },
    }),
  });

  // Refreshed ahead of expiry (a minute before, or halfway for tokens that live under two minutes).
  let timer: ReturnType<typeof setTimeout> | undefined;
  const schedule = () => {
    clearTimeout(timer);
    if (!session.current) return;
    const left = Date.parse(session.current.expiresAt) - Date.now();
    timer = setTimeout(refresh, Math.max(left - REFRESH_AHEAD_MS, left / 2, 0));
  };
  const stopScheduling = session.subscribe(schedule);
  schedule();

  return {
    client,
    ws,
    dispose: async () => {
      stopScheduling();
      clearTimeout(timer);
      client.stop();
      await ws.dispose();
    },
  };
}
