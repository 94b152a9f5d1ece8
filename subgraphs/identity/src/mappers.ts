import type { Connection } from '@iris/core';
import type {
  AccountModel as Account,
  ApiKeyModel as ApiKey,
  AppModel as App,
  OrderModel as Order,
  RetentionPlanModel as RetentionPlan,
  UserModel as User,
} from '@iris/db';

/** What identity's resolvers receive for each GraphQL type: rows of the data layer. */
export type { Account, ApiKey, App, Order, RetentionPlan, User };
export type UserConnection = Connection<User>;
export type AppConnection = Connection<App>;
export type AccountConnection = Connection<Account>;
export type ApiKeyConnection = Connection<ApiKey>;
export type OrderConnection = Connection<Order>;

export interface AuthPayload {
  accessToken: string;
  expiresAt: Date;
  refreshToken: string;
  refreshTokenExpiresAt: Date;
  user: User;
  /** OAuth: the app the access token is for, and the scopes its user consented to. */
  grant?: { appId: string; scopes: string[] };
  /** OAuth with `openid`: the OpenID Connect ID token naming the user to the app. */
  idToken?: string;
}
export interface RegisterPayload {
  account: Account;
  user: User;
}
export interface AppKeyPayload {
  app: App;
  appKey: string;
  /** After a rotation: until when the previous key keeps working. */
  previousKeyValidUntil?: Date | null;
}
export interface ApiKeySecretPayload {
  apiKey: ApiKey;
  secret: string;
}
export interface ChangePasswordPayload {
  user: User;
}
