// GraphiQL's fetcher for the playground, in the browser: queries and mutations over HTTP, subscriptions
// over graphql-ws (the UMD build's global `graphqlWs`), each carrying the session's access token unless
// the headers editor names a credential of its own. Served as an ES module from /playground/assets/.

import { authPayloadIn, describeErrors, postGraphQL } from './session.js';

/**
 * Headers that carry a credential (a bearer or Basic Authorization, an app server's API key, an app's
 * app_id + app_key): one typed in the headers editor replaces the session's token.
 */
const CREDENTIAL_HEADERS = ['authorization', 'api_key', 'api-key', 'app_id', 'app_key', 'x-app-id', 'x-app-key'];

/** Why graphql-ws closed, for the close codes the gateway and the protocol use, when no reason came with it. */
const CLOSE_CODES = {
  1006: ['NETWORK_ERROR', 'The connection to the gateway was lost.'],
  1011: ['INTERNAL_SERVER_ERROR', 'The gateway hit an error.'],
  4400: ['BAD_REQUEST', 'The gateway could not read a message of this connection.'],
  4401: ['UNAUTHENTICATED', 'The connection was not initialised.'],
  4403: ['FORBIDDEN', 'The gateway refused the credentials of this connection.'],
  4408: ['TIMEOUT', 'The connection was not initialised in time.'],
  4429: ['TOO_MANY_REQUESTS', 'Too many requests, or events not read in time.'],
  4500: ['INTERNAL_SERVER_ERROR', 'The gateway hit an error.'],
};

/** The refusal reasons of credentials (`extensions.reason` of UNAUTHENTICATED). */
const CREDENTIAL_REASONS = [
  'CREDENTIALS_MISSING',
  'AUTHORIZATION_MALFORMED',
  'TOKEN_EXPIRED',
  'TOKEN_INVALID',
  'TOKEN_REVOKED',
  'API_KEY_INVALID',
  'APP_KEY_INVALID',
  'ACCOUNT_DEACTIVATED',
];

/**
 * Whatever a graphql-ws subscription failed with, as a GraphQL response GraphiQL shows: the errors the
 * gateway sent; a close event's code and reason (`TOKEN_EXPIRED: …` gives `extensions.reason`); a socket
 * that never opened. A bare browser Event would otherwise print as `{"isTrusted":true}`.
 */
export function subscriptionFailure(failure, url) {
  if (Array.isArray(failure)) return { errors: failure };
  if (failure && typeof failure === 'object' && 'code' in failure && 'reason' in failure) {
    const text = String(failure.reason || '');
    const prefixed = /^([A-Z][A-Z0-9_]+):\s*([\s\S]*)$/.exec(text);
    const reason = prefixed ? prefixed[1] : undefined;
    const [fallbackCode, fallbackMessage] = CLOSE_CODES[failure.code] ?? ['CONNECTION_CLOSED', 'The gateway closed the connection.'];
    const code = reason && CREDENTIAL_REASONS.includes(reason) ? 'UNAUTHENTICATED' : reason || fallbackCode;
    const message = text ? text : `${fallbackMessage} (close code ${failure.code})`;
    return { errors: [{ message, extensions: { code, ...(reason ? { reason } : {}), closeCode: failure.code } }] };
  }
  if (failure instanceof Error) return { errors: [{ message: failure.message, extensions: { code: 'CLIENT_ERROR' } }] };
  return {
    errors: [
      { message: `Could not open a WebSocket to ${url}: the gateway is unreachable or refused it.`, extensions: { code: 'NETWORK_ERROR' } },
    ],
  };
}

/** Whether a close event says the token expired (a reason `TOKEN_EXPIRED: …`, or words to that effect). */
function closedForExpiry(event) {
  return Boolean(event && typeof event === 'object' && 'reason' in event && /TOKEN_EXPIRED|expired/i.test(String(event.reason)));
}

/**
 * The headers editor's headers minus leftovers that are not credentials (an empty Authorization, a
 * `<placeholder>` from an older playground), and whether one of them names a credential.
 */
export function typedHeaders(headers) {
  const kept = {};
  let credential = false;
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (value === null || value === undefined) continue;
    const text = String(value).trim();
    const isCredential = CREDENTIAL_HEADERS.includes(name.toLowerCase());
    if (isCredential && (!text || /^bearer$/i.test(text) || /<[^>]*>/.test(text))) continue;
    kept[name] = String(value);
    if (isCredential) credential = true;
  }
  return { headers: kept, credential };
}

/** The operations of a document, `[type, name]` each, read from its text without comments and strings. */
function operationsIn(query) {
  const source = String(query)
    .replace(/#[^\n]*/g, '')
    .replace(/"""[\s\S]*?"""|"(?:\\.|[^"\\])*"/g, '""');
  const operations = [...source.matchAll(/(?:^|[}\s])(query|mutation|subscription)\b\s*(\w*)/g)].map((m) => [m[1], m[2]]);
  // An anonymous `{ … }` query at the top of the document.
  return operations.length > 0 || !/^\s*\{/.test(source) ? operations : [['query', '']];
}

/**
 * The operation to run. GraphiQL reads the operation name from the editor a moment after each change,
 * so a query replaced and run at once can still carry the old name: with one operation in the document,
 * a name it does not have is dropped instead of being refused.
 */
function chooseOperation(params) {
  const operations = operationsIn(params.query);
  const named = operations.find(([, name]) => name && name === params.operationName);
  if (named || !params.operationName) return { params, type: (named ?? operations[0] ?? ['query'])[0] };
  if (operations.length === 1) return { params: { ...params, operationName: operations[0][1] || undefined }, type: operations[0][0] };
  return { params, type: 'query' };
}

/** Subscription fields that replay the events missed with `after: <id of the last one received>`. */
const RESUMABLE = /\b(deviceMarkCreated)\b(\s*\()?/;

/**
 * The subscription's parameters to resume it after the event `lastId`: the variable its resumable field
 * takes `after` from set to it, or `after: "<lastId>"` written into the field's arguments. Unchanged
 * when it has no such field.
 */
export function resumedAfter(params, lastId) {
  // Comments and the insides of strings blanked out, so that the positions still match the query.
  const masked = String(params.query).replace(/#[^\n]*|"""[\s\S]*?"""|"(?:\\.|[^"\\\n])*"/g, (text) =>
    text[0] === '#' ? ' '.repeat(text.length) : `"${' '.repeat(text.length - 2)}"`,
  );
  const field = RESUMABLE.exec(masked);
  if (!field) return params;
  const id = JSON.stringify(lastId);
  const splice = (from, to, text) => ({ ...params, query: params.query.slice(0, from) + text + params.query.slice(to) });
  const nameEnd = field.index + field[1].length;
  if (!field[2]) return splice(nameEnd, nameEnd, `(after: ${id})`);
  const argsStart = field.index + field[0].length;
  const args = masked.slice(argsStart, masked.indexOf(')', argsStart));
  const variable = /\bafter\s*:\s*\$(\w+)/.exec(args);
  if (variable) return { ...params, variables: { ...params.variables, [variable[1]]: lastId } };
  const literal = /\bafter\s*:\s*("[^"]*"|null)/.exec(args);
  if (literal) {
    const from = argsStart + literal.index + literal[0].length - literal[1].length;
    return splice(from, from + literal[1].length, id);
  }
  return splice(argsStart, argsStart, `after: ${id}, `);
}

/** Whether nothing of the operation ran: no root field returned a value. */
function nothingReturned(result) {
  return !result.data || Object.values(result.data).every((value) => value === null);
}

/** GraphiQL's fetcher: `session` is the PlaygroundSession whose token every tab sends. */
export function createFetcher(session, { httpUrl, wsUrl }) {
  async function credentials(typed) {
    const { headers, credential } = typedHeaders(typed);
    if (credential) return { headers, token: null };
    const token = await session.accessToken();
    return { headers: token ? { ...headers, authorization: `Bearer ${token}` } : headers, token };
  }

  async function overHttp(params, typed, type) {
    const { headers, token } = await credentials(typed);
    let result = await postGraphQL(httpUrl, params, headers);
    const refusedFor = (reason) => (result.errors ?? []).find((e) => e.extensions && e.extensions.reason === reason);
    // A mutation is sent again only when none of it ran, so nothing is done twice.
    if (token && refusedFor('TOKEN_EXPIRED') && (type !== 'mutation' || nothingReturned(result))) {
      const renewed = await session.refresh(token);
      if (renewed && renewed !== token) result = await postGraphQL(httpUrl, params, { ...headers, authorization: `Bearer ${renewed}` });
    }
    const revoked = token && refusedFor('TOKEN_REVOKED');
    if (revoked) session.ended(token, describeErrors([revoked]));
    // Signing in from any tab (the Sign in example) signs the playground in.
    const payload = authPayloadIn(result);
    if (payload) session.adopt(payload);
    return result;
  }

  function overWebSocket(params, typed) {
    let sentToken = null;
    let renewBeforeConnecting = null;
    let renewing = false;
    let lastId = null;
    // graphql-ws sends this same object again on every reconnection: it is resumed after the last event.
    const payload = { ...params };
    const client = graphqlWs.createClient({
      url: wsUrl,
      lazy: true,
      retryAttempts: 3,
      // The gateway ends a connection when its token expires, and the playground ends it when the session
      // renews the token first: connect again with the new one, at once (the token is already renewed).
      shouldRetry: (event) => {
        if (renewing && event && event.code === 4499) {
          renewing = false;
          return true;
        }
        if (!sentToken || !closedForExpiry(event)) return false;
        renewBeforeConnecting = sentToken;
        return true;
      },
      retryWait: (retries) => new Promise((resolve) => setTimeout(resolve, retries === 0 ? 0 : 1000)),
      on: {
        // Resubscribe after the last event received, so what happened while reconnecting is replayed.
        connecting: () => lastId && Object.assign(payload, resumedAfter(params, lastId)),
        connected: () => {
          renewing = false;
        },
        message: (message) => {
          const data = message.type === 'next' && message.payload && message.payload.data;
          const event = data && Object.values(data)[0];
          if (event && typeof event.id === 'string') lastId = event.id;
        },
      },
      connectionParams: async () => {
        if (renewBeforeConnecting) {
          await session.refresh(renewBeforeConnecting);
          renewBeforeConnecting = null;
        }
        const { headers, token } = await credentials(typed);
        sentToken = token;
        // The gateway reads connection_init's credentials by their lower-case header names.
        const connectionParams = {};
        for (const [name, value] of Object.entries(headers))
          connectionParams[name.toLowerCase() === 'api-key' ? 'api_key' : name.toLowerCase()] = value;
        return connectionParams;
      },
    });
    // The session renewed the token this connection sent (before it expires): move to a connection with
    // the new one now, rather than when the gateway ends this one at the expiry.
    const renewed = () => {
      const current = session.current;
      if (!sentToken || !current || current.accessToken === sentToken || renewing) return;
      renewing = true;
      client.terminate();
    };
    session.addEventListener('change', renewed);
    const events = client.iterate(payload);
    let failed = false;
    const close = async () => {
      session.removeEventListener('change', renewed);
      await events.return?.();
      await client.dispose();
    };
    return {
      [Symbol.asyncIterator]() {
        return this;
      },
      async next() {
        if (failed) return { done: true, value: undefined };
        try {
          const step = await events.next();
          if (step.done) await close();
          return step;
        } catch (failure) {
          failed = true;
          await close();
          const shown = subscriptionFailure(failure, wsUrl);
          const [first] = shown.errors;
          if (sentToken && first.extensions && first.extensions.reason === 'TOKEN_REVOKED') session.ended(sentToken, first.message);
          return { done: false, value: shown };
        }
      },
      async return() {
        await close();
        return { done: true, value: undefined };
      },
    };
  }

  return (requested, options) => {
    const typed = (options && options.headers) || {};
    const { params, type } = chooseOperation(requested);
    return type === 'subscription' ? overWebSocket(params, typed) : overHttp(params, typed, type);
  };
}
