import { EXAMPLE_TABS } from './examples.js';

/**
 * The playground page: a session bar (sign in once; every tab and subscription then sends the token,
 * renewed before it expires; sign out in one click) above GraphiQL, with the schema explorer and docs,
 * queries over HTTP and subscriptions over graphql-ws. Its behaviour is in the browser modules beside
 * this file (`main.js`, `session.js`, `transport.js`). Every script and style comes from this gateway
 * (`/playground/assets/`), so it works with no network. `?query=`, `?variables=` and `?headers=` prefill
 * the editor (shareable links).
 */
export function playgroundPage(): string {
  const config = JSON.stringify({ tabs: EXAMPLE_TABS }).replace(/</g, '\\u003c');
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8" />
  <meta name="viewport" content="width=device-width, initial-scale=1" />
  <title>Iris playground</title>
  <!-- No icon to fetch: a fresh browser would otherwise log a 404 for /favicon.ico. -->
  <link rel="icon" href="data:," />
  <link rel="stylesheet" href="/playground/assets/graphiql.min.css" />
  <style>
    body { margin: 0; height: 100vh; display: flex; flex-direction: column; font-family: system-ui, sans-serif; }
    #playground { flex: 1; min-height: 0; }
    #session { display: flex; align-items: center; gap: 12px; padding: 6px 16px; font-size: 14px;
      background: hsl(219, 28%, 97%); color: hsl(219, 28%, 25%); border-bottom: 1px solid hsl(219, 28%, 88%); }
    #session [hidden] { display: none !important; }
    #session form, #session [data-when] { display: flex; align-items: center; gap: 8px; flex-wrap: wrap; }
    #session input { font: inherit; padding: 3px 6px; border: 1px solid hsl(219, 28%, 80%); border-radius: 4px; background: inherit; color: inherit; }
    #session button { font: inherit; padding: 3px 10px; border-radius: 4px; border: 1px solid hsl(320, 95%, 43%);
      background: hsl(320, 95%, 43%); color: white; cursor: pointer; }
    #session button[data-action="sign-out"] { background: transparent; color: inherit; border-color: hsl(219, 28%, 70%); }
    #session .hint { opacity: 0.75; }
    #session [data-field="notice"] { color: hsl(13, 93%, 45%); }
    @media (prefers-color-scheme: dark) {
      body:not(.graphiql-light) #session { background: hsl(219, 29%, 14%); color: hsl(219, 29%, 85%); border-color: hsl(219, 29%, 25%); }
    }
    body.graphiql-dark #session { background: hsl(219, 29%, 14%); color: hsl(219, 29%, 85%); border-color: hsl(219, 29%, 25%); }
  </style>
</head>
<body>
  <header id="session" aria-label="Session">
    <strong>Iris playground</strong>
    <div data-when="signed-out">
      <form>
        <label>Email <input name="email" type="email" autocomplete="username" required /></label>
        <label>Password <input name="password" type="password" autocomplete="current-password" required /></label>
        <button type="submit">Sign in</button>
      </form>
      <span class="hint">or run the Sign in tab: every tab then sends the token.</span>
    </div>
    <div data-when="signed-in" hidden>
      <span>Signed in as <strong data-field="who"></strong>.</span>
      <span class="hint" data-field="renews"></span>
      <button type="button" data-action="sign-out">Sign out</button>
    </div>
    <span data-field="notice" role="status" aria-live="polite"></span>
  </header>
  <div id="playground">Loading the playground…</div>
  <script type="application/json" id="playground-config">${config}</script>
  <script src="/playground/assets/react.production.min.js"></script>
  <script src="/playground/assets/react-dom.production.min.js"></script>
  <script src="/playground/assets/graphiql.min.js"></script>
  <script src="/playground/assets/graphql-ws.min.js"></script>
  <script type="module" src="/playground/assets/main.js"></script>
</body>
</html>`;
}
