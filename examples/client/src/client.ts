/**
 * An Apollo Client for Iris: queries and mutations over HTTP, subscriptions over graphql-ws on the
 * same gateway, the access token on both, `@defer` streamed, and a cache that merges connection pages.
 *
 *   const iris = createIrisClient({ httpUrl: 'http://localhost:4000/graphql', wsUrl: 'ws://localhost:4000/graphql', getToken: () => token });
 *   const { data } = await iris.query({ query: ProfilesPage, variables: { appId: 'demo-app', first: 50 } });
 */
import { ApolloClient, ApolloLink, HttpLink, InMemoryCache } from '@apollo/client';
import { Defer20220824Handler } from '@apollo/client/incremental';
import { SetContextLink } from '@apollo/client/link/context';
import { GraphQLWsLink } from '@apollo/client/link/subscriptions';
import { relayStylePagination } from '@apollo/client/utilities';
import { OperationTypeNode } from 'graphql';
import { createClient, type Client as WsClient, type ClientOptions as WsClientOptions } from 'graphql-ws';

// Apollo Client's "modern" method signatures (4.1 and later): a result's type follows from the options
// given and the client's defaults, so with the default errorPolicy ("none": errors reject) `data` is the
// operation's result type, not `| undefined`.
declare module '@apollo/client' {
  export interface TypeOverrides {
    signatureStyle: 'modern';
  }
}

type Token = string | null | undefined;

export interface IrisClientOptions {
  /** The gateway's GraphQL endpoint, e.g. `http://localhost:4000/graphql`. */
  httpUrl: string;
  /** The same endpoint over WebSocket, e.g. `ws://localhost:4000/graphql`. */
  wsUrl: string;
  /** The access token (from `login`) to send, asked for on every request and every new connection; none when signed out. */
  getToken: () => Token | Promise<Token>;
  /** A WebSocket class where the runtime has none as a global (Node 20: `ws`). */
  webSocketImpl?: WsClientOptions['webSocketImpl'];
  /** The `fetch` HTTP requests go through (the global one when omitted). */
  fetch?: typeof fetch;
}

/** An ApolloClient, with the graphql-ws client under its subscriptions and a way to close both. */
export type IrisClient = ApolloClient & {
  /** The graphql-ws client: connects with the first subscription and closes after the last. */
  readonly ws: WsClient;
  /** Stops the client's queries and closes the WebSocket. */
  dispose: () => Promise<void>;
};

/**
 * Connections merge page by page: `fetchMore({ variables: { after: endCursor } })` appends the next
 * page's edges to the ones in the cache, and `pageInfo` spans them all. The key arguments tell lists
 * apart (another app or filter is another list); the paging arguments do not.
 */
export function createIrisCache(): InMemoryCache {
  return new InMemoryCache({
    typePolicies: {
      Query: {
        fields: {
          profiles: relayStylePagination(['appId', 'deviceIds', 'filter']),
          deviceMarks: relayStylePagination(['filter', 'orderBy']),
        },
      },
      App: { fields: { profiles: relayStylePagination(['filter']) } },
      Account: { fields: { deviceMarks: relayStylePagination(['filter', 'orderBy']) } },
      // A profile is one phone's for one app: it has no id of its own.
      Profile: { keyFields: ['appId', 'deviceId'] },
      Country: { keyFields: ['code'] },
    },
  });
}

export function createIrisClient(options: IrisClientOptions): IrisClient {
  const authorization = async () => {
    const token = await options.getToken();
    return token ? `Bearer ${token}` : undefined;
  };

  // Apollo's GraphQLWsLink reads the global `WebSocket` (its CLOSED constant) whenever it sorts out an
  // error; where the runtime has no such global (Node 20), the implementation given stands in for it.
  if (options.webSocketImpl && typeof globalThis.WebSocket === 'undefined') {
    Object.assign(globalThis, { WebSocket: options.webSocketImpl });
  }

  // The gateway reads a WebSocket's credentials from `connection_init`, the same header value as over HTTP.
  const ws = createClient({
    url: options.wsUrl,
    ...(options.webSocketImpl ? { webSocketImpl: options.webSocketImpl } : {}),
    connectionParams: async () => {
      const value = await authorization();
      return value ? { authorization: value } : {};
    },
  });

  const auth = new SetContextLink(async (prevContext) => {
    const value = await authorization();
    return value ? { headers: { ...prevContext.headers, authorization: value } } : {};
  });
  const http = new HttpLink({ uri: options.httpUrl, ...(options.fetch ? { fetch: options.fetch } : {}) });

  const link = ApolloLink.split(
    (operation) => operation.operationType === OperationTypeNode.SUBSCRIPTION,
    new GraphQLWsLink(ws),
    ApolloLink.from([auth, http]),
  );

  // `@defer`: the gateway streams the deferred parts over multipart/mixed (deferSpec=20220824), and the
  // client shows the page first, then each part as it arrives.
  const client = new ApolloClient({ link, cache: createIrisCache(), incrementalHandler: new Defer20220824Handler() });
  return Object.assign(client, {
    ws,
    dispose: async () => {
      client.stop();
      await ws.dispose();
    },
  });
}
