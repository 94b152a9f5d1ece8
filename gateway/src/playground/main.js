// The playground page's start, in the browser: the session bar (sign in once, sign out in one click)
// above GraphiQL. React, ReactDOM, GraphiQL and graphqlWs are the UMD globals the page loads first.

import { PlaygroundSession } from './session.js';
import { createFetcher } from './transport.js';

const { tabs } = JSON.parse(document.getElementById('playground-config').textContent);
const params = new URLSearchParams(location.search);
const httpUrl = `${location.origin}/graphql`;
const session = new PlaygroundSession(httpUrl);

const bar = document.getElementById('session');
const signedOut = bar.querySelector('[data-when="signed-out"]');
const signedIn = bar.querySelector('[data-when="signed-in"]');
const who = bar.querySelector('[data-field="who"]');
const renews = bar.querySelector('[data-field="renews"]');
const notice = bar.querySelector('[data-field="notice"]');
const form = bar.querySelector('form');

function render() {
  const current = session.current;
  signedOut.hidden = Boolean(current);
  signedIn.hidden = !current;
  notice.textContent = session.notice;
  if (!current) return;
  who.textContent = current.email ? `${current.email}${current.role ? ` (${current.role})` : ''}` : 'a token from the Sign in tab';
  renews.textContent = current.refreshToken
    ? 'Every tab and subscription sends its token; it is renewed before it expires.'
    : 'Every tab and subscription sends its token (no refresh token: sign in again when it expires).';
}
session.addEventListener('change', render);
render();

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  const button = form.querySelector('button');
  button.disabled = true;
  try {
    const error = await session.signIn(form.elements.email.value, form.elements.password.value);
    if (!error) form.elements.password.value = '';
  } finally {
    button.disabled = false;
  }
});
bar.querySelector('[data-action="sign-out"]').addEventListener('click', () => session.signOut());

// A link's operation (`?query=`, `?variables=`, `?headers=`) opens in a tab of its own: the only tab on
// a first visit, else beside the tabs GraphiQL kept from earlier visits (or the one that matches it).
const link = params.get('query')
  ? { query: params.get('query'), variables: params.get('variables') || undefined, headers: params.get('headers') || undefined }
  : null;
const initial = link ? [link] : tabs.map((tab) => ({ query: tab.query, variables: tab.variables }));

ReactDOM.createRoot(document.getElementById('playground')).render(
  React.createElement(GraphiQL, {
    fetcher: createFetcher(session, { httpUrl, wsUrl: httpUrl.replace(/^http/, 'ws') }),
    defaultTabs: initial,
    ...(link ?? {}),
    // No placeholder token: the session's token is added to every request unless a header typed here
    // names a credential (Authorization, api_key, app_id + app_key), which then wins.
    defaultHeaders: params.get('headers') || '',
    headerEditorEnabled: true,
    shouldPersistHeaders: true,
    defaultEditorToolsVisibility: true,
  }),
);
