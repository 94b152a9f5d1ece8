import { IrisError, ErrorCode, signAccessToken, type Config, type TokenKeys } from '@iris/core';
import type { IdentityData } from './data/index.js';
import { decoyHash, verifyPassword } from './data/passwords.js';
import type { AuthPayload } from './mappers.js';

const WRONG_CREDENTIALS = 'The email or password is incorrect.';

/** Sign-in with email and password, issuing an access token signed with identity's key. */
export function createSignIn(data: IdentityData, keys: TokenKeys, config: Config, clock: () => Date = () => new Date()) {
  return {
    async login(input: { email: string; password: string }): Promise<AuthPayload> {
      const user = await data.userByEmail(input.email);
      // The same work and the same answer whether or not the email exists.
      const valid = await verifyPassword(input.password, user?.passwordHash ?? (await decoyHash()));
      if (!user || !valid) throw new IrisError(ErrorCode.UNAUTHENTICATED, WRONG_CREDENTIALS);
      if (!user.account.active) {
        throw new IrisError(ErrorCode.FORBIDDEN, 'This account is not activated yet: verify it with the code we sent, then sign in.');
      }
      const { token, expiresAt } = await signAccessToken(
        keys,
        config,
        { userId: user.id, accountId: user.accountId, role: user.role },
        clock(),
      );
      const { account: _account, ...row } = user;
      return { accessToken: token, expiresAt, user: row };
    },
  };
}

export type SignIn = ReturnType<typeof createSignIn>;
