import type { AppResolvers } from '../generated/resolvers-types.js';

export const App: AppResolvers = {
  audience: (app, _args, { data, scope }) => data.audience.breakdown(app.id, scope),
};
