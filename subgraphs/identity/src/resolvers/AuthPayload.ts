import type { AuthPayloadResolvers } from '../generated/resolvers-types.js';
import { oauthScopeEnums } from '../services/oauth.js';

export const AuthPayload: AuthPayloadResolvers = {
  scopes: (payload) => (payload.grant ? oauthScopeEnums(payload.grant.scopes) : null),
};
