import { country } from '../countries.js';
import type { ProfileResolvers } from '../generated/resolvers-types.js';

export const Profile: ProfileResolvers = {
  __resolveReference: ({ appId, deviceId }, { loaders }) => loaders.profile.load({ appId, deviceId }),
  // Stored as the enum names; the generated enum types are string unions of the same names.
  gender: (profile) => profile.gender as never,
  maritalStatus: (profile) => profile.maritalStatus as never,
  parentalStatus: (profile) => profile.parentalStatus as never,
  age: (profile) => profile.age as never,
  transportation: (profile) => profile.transportation as never,
  pets: (profile) => profile.pets as never,
  sports: (profile) => profile.sports as never,
  lifeEvents: (profile) => profile.lifeEvents as never,
  country: (profile) => (profile.country ? country(profile.country) : null),
  holidayCountries: (profile) => profile.holidayCountries.map(country),
  app: (profile) => ({ id: profile.appId }),
};
