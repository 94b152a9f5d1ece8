import { useMutation } from '@apollo/client/react';
import { type FormEvent } from 'react';
import { describeError } from './describeError.js';
import { SignIn as SignInMutation } from './operations.js';
import type { Session } from './session.js';

export function SignIn({ onSignedIn }: { onSignedIn: (session: Session) => void }) {
  const [login, { loading, error }] = useMutation(SignInMutation, { context: { withoutToken: true } });

  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const input = { email: String(form.get('email')), password: String(form.get('password')) };
    // A refused sign-in is shown from `error` below; nothing more to do with it here.
    const { data } = await login({ variables: { input } }).catch(() => ({ data: undefined }));
    if (data) onSignedIn(data.login);
  };

  return (
    <form className="card" onSubmit={submit}>
      <h2>Sign in</h2>
      <label>
        Email <input name="email" type="email" autoComplete="username" required />
      </label>
      <label>
        Password <input name="password" type="password" autoComplete="current-password" required />
      </label>
      <button type="submit" disabled={loading}>
        {loading ? 'Signing in…' : 'Sign in'}
      </button>
      {error && <p role="alert">{describeError(error)}</p>}
      <p className="hint">
        On the demo data: <code>demo@iris.dev</code> / <code>iris-demo-password</code>
      </p>
    </form>
  );
}
