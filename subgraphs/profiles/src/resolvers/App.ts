import type { AppResolvers } from '../generated/resolvers-types.js';

export const App: AppResolvers = {
  profiles: (app, { filter, ...args }, { auth, data, scope, services }) =>
    data.profilesOfApp(app.id, services.profiles.readFilter(app.id, auth, { filter }), args, scope),
  profileCount: (app, _args, { data, scope }) => data.countOfApp(app.id, scope),
};
