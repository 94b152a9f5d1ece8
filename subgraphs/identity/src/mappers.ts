import type { Connection } from '@iris/core';
import type { AccountModel as Account, AppModel as App, UserModel as User } from '@iris/db';

/** What identity's resolvers receive for each GraphQL type: rows of the data layer. */
export type { Account, App, User };
export type UserConnection = Connection<User>;
export type AppConnection = Connection<App>;
export interface AuthPayload {
  accessToken: string;
  expiresAt: Date;
  user: User;
}
