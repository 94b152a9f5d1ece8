import { useApolloClient, useMutation } from '@apollo/client/react';
import type { Client as WsClient } from 'graphql-ws';
import { useEffect, useState, useSyncExternalStore } from 'react';
import { Marks } from './Marks.js';
import { SignOut } from './operations.js';
import type { SessionStore } from './session.js';
import { SignIn } from './SignIn.js';
import { UploadPhoto } from './UploadPhoto.js';

export function App({ session, ws }: { session: SessionStore; ws: WsClient }) {
  const current = useSyncExternalStore(session.subscribe, () => session.current);
  const client = useApolloClient();
  const [logout] = useMutation(SignOut, { context: { withoutToken: true } });

  if (!current) return <SignIn onSignedIn={(signedIn) => session.set(signedIn)} />;

  const signOut = async () => {
    // Ends the session at the server too (its refresh token stops working), then forgets what was read.
    await logout({ variables: { input: { refreshToken: current.refreshToken } } }).catch(() => undefined);
    session.set(null);
    await client.clearStore();
  };

  return (
    <>
      <header>
        <span>
          Signed in as <strong>{current.user.displayName}</strong> ({current.user.email})
        </span>
        <LiveStatus ws={ws} />
        <button type="button" onClick={signOut}>
          Sign out
        </button>
      </header>
      <main key={current.user.id}>
        <UploadPhoto />
        <Marks />
      </main>
    </>
  );
}

/** Whether the subscription socket is open: new marks arrive only while it is. */
function LiveStatus({ ws }: { ws: WsClient }) {
  const [live, setLive] = useState(false);
  useEffect(() => {
    const offs = [ws.on('connected', () => setLive(true)), ws.on('closed', () => setLive(false))];
    return () => {
      for (const off of offs) off();
    };
  }, [ws]);
  return <span className={live ? 'live on' : 'live'}>{live ? 'Live' : 'Not live'}</span>;
}
