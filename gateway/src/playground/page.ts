import { EXAMPLE_TABS } from './examples.js';

/**
 * The playground page: GraphiQL with the schema explorer and docs, a headers editor for the access
 * token or API key, queries over HTTP and subscriptions over graphql-ws. Every script and style comes
 * from this gateway (`/playground/assets/`), so it works with no network. `?query=`, `?variables=` and
 * `?headers=` prefill the editor (shareable links).
 */
export function playgroundPage(): string {
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8" />
  <meta name="viewport" content="width=device-width, initial-scale=1" />
  <title>Iris playground</title>
  <link rel="stylesheet" href="/playground/assets/graphiql.min.css" />
  <style>body { margin: 0; height: 100vh; } #playground { height: 100vh; }</style>
</head>
<body>
  <div id="playground">Loading the playground…</div>
  <script src="/playground/assets/react.production.min.js"></script>
  <script src="/playground/assets/react-dom.production.min.js"></script>
  <script src="/playground/assets/graphiql.min.js"></script>
  <script src="/playground/assets/graphql-ws.min.js"></script>
  <script>
    const tabs = ${JSON.stringify(EXAMPLE_TABS).replace(/</g, '\\u003c')};
    const params = new URLSearchParams(location.search);
    const wsUrl = location.origin.replace(/^http/, 'ws') + '/graphql';

    function isSubscription(query, operationName) {
      const names = [...query.matchAll(/\\b(query|mutation|subscription)\\b\\s*(\\w*)/g)];
      const chosen = names.find((m) => !operationName || m[2] === operationName) || names[0];
      return chosen && chosen[1] === 'subscription';
    }

    // Queries over HTTP; subscriptions over graphql-ws with the headers editor's credentials.
    function fetcher(params, options) {
      const headers = (options && options.headers) || {};
      if (isSubscription(params.query, params.operationName)) {
        const credentials = {};
        for (const [name, value] of Object.entries(headers)) credentials[name.toLowerCase()] = value;
        const client = graphqlWs.createClient({ url: wsUrl, connectionParams: credentials, retryAttempts: 0 });
        const iterator = client.iterate(params);
        return {
          [Symbol.asyncIterator]: () => ({
            next: () => iterator.next(),
            return: async () => { await iterator.return(); await client.dispose(); return { done: true, value: undefined }; },
          }),
        };
      }
      return fetch('/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify(params),
      }).then((response) => response.json());
    }

    const initial = params.get('query')
      ? [{ query: params.get('query'), variables: params.get('variables') || undefined, headers: params.get('headers') || undefined }]
      : tabs.map((tab) => ({ query: tab.query, variables: tab.variables }));
    ReactDOM.createRoot(document.getElementById('playground')).render(
      React.createElement(GraphiQL, {
        fetcher,
        defaultTabs: initial,
        defaultHeaders: params.get('headers') || '{ "Authorization": "Bearer <paste accessToken from Sign in>" }',
        headerEditorEnabled: true,
        shouldPersistHeaders: true,
        defaultEditorToolsVisibility: true,
      }),
    );
  </script>
</body>
</html>`;
}
