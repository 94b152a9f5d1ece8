import type { AppResolvers } from '../generated/resolvers-types.js';

export const App: AppResolvers = {
  profiles: (app, args, { data, scope }) => data.profilesOfApp(app.id, args, scope),
};
