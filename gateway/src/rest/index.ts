import type { GatewayPlugin, GatewayRuntime } from '../plugin.js';
import { registerClientLogout } from './clientLogout.js';
import { registerProfilesRestApi, type Execute } from './profilesApi.js';

/**
 * The REST routes (the profiles API, `/accounts/logout`): each runs a GraphQL operation through the
 * gateway as its caller, whose context is built as `/graphql` builds it.
 */
export function useRestApi(): GatewayPlugin {
  return {
    name: 'rest',
    register: (app, runtime) => {
      const execute = executeAsCaller(runtime);
      registerProfilesRestApi(app, execute);
      registerClientLogout(app, execute);
    },
  };
}

function executeAsCaller({ createContext, execute }: GatewayRuntime): Execute {
  return async (query, variables, { headers, ip }) => {
    const context = await createContext({ headers, clientAddress: ip });
    return (await execute(query, variables, context)) ?? { errors: [{ message: 'Unexpected streamed response.' }] };
  };
}
