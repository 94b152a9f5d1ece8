import type { AppResolvers } from '../generated/resolvers-types.js';

export const App: AppResolvers = {
  profiles: async (app, { filter, ...args }, { auth, data, scope, services }) =>
    data.profilesOfApp(app.id, await services.profiles.readFilter(app.id, auth, scope, { filter }), args, scope),
  profileCount: (app, _args, { data, scope }) => data.countOfApp(app.id, scope),
};
