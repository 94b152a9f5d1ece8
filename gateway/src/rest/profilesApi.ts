import type { FastifyInstance, FastifyReply } from 'fastify';
import {
  allowedValues,
  countryCode,
  countryName,
  FIELDS,
  fromEnum,
  LIST_VALUED,
  SINGLE_VALUED,
  toEnum,
  type Attribute,
} from './profilesVocabulary.js';

/** The caller of a REST request: its credentials (`api_key` or bearer token) and address. */
export interface RestCaller {
  headers: Record<string, string | string[] | undefined>;
  ip: string;
}

/** Runs one GraphQL operation through the gateway as the caller. */
export type Execute = (
  query: string,
  variables: Record<string, unknown>,
  caller: RestCaller,
) => Promise<{ data?: Record<string, any> | null; errors?: readonly { message: string; extensions?: Record<string, unknown> }[] }>;

/** The HTTP status of a REST answer refused with a GraphQL error code. */
export const STATUS: Record<string, number> = {
  BAD_USER_INPUT: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  RATE_LIMITED: 429,
  SERVICE_UNAVAILABLE: 503,
};
/** Profiles per `profiles-by-device-ids` batch. */
const BATCH_SIZE = 100;

const PROFILE_FIELDS = `deviceId appUserId gender maritalStatus parentalStatus age transportation pets sports country { code } city holidayCountries { code } holidayCities lifeEvents`;

class RestError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** A profile as the REST API wrote it: hyphenated keys, the document's words, empty lists left out. */
function toRest(profile: Record<string, any>) {
  const out: Record<string, unknown> = { deviceID: profile.deviceId };
  for (const attribute of SINGLE_VALUED) out[attribute] = fromEnum(attribute, profile[FIELDS[attribute]]);
  for (const attribute of LIST_VALUED) {
    const values = (profile[FIELDS[attribute]] as string[]).map((v) => fromEnum(attribute, v));
    if (values.length > 0) out[attribute] = values;
  }
  if (profile.country) out.country = countryName(profile.country.code);
  if (profile.city) out.city = profile.city;
  if (profile.holidayCountries.length > 0)
    out['country-vacations'] = profile.holidayCountries.map((c: { code: string }) => countryName(c.code));
  if (profile.holidayCities.length > 0) out['city-vacations'] = profile.holidayCities;
  return out;
}

/** The REST body of `post-profile` as `PostProfileInput`; unknown words are refused, naming the allowed ones. */
function fromRest(body: Record<string, unknown>): Record<string, unknown> {
  const input: Record<string, unknown> = { appId: body.appID, deviceId: body.deviceID };
  if (typeof body.appID !== 'string' || typeof body.deviceID !== 'string')
    throw new RestError(400, 'The body needs "appID" and "deviceID" strings.');
  if (typeof body.appUserID === 'string') input.appUserId = body.appUserID;
  const word = (attribute: Attribute, value: unknown) => {
    const name = typeof value === 'string' ? toEnum(attribute, value) : undefined;
    if (!name) throw new RestError(400, `"${attribute}": "${String(value)}" is not one of "${allowedValues(attribute)}".`);
    return name;
  };
  for (const attribute of SINGLE_VALUED) if (body[attribute] != null) input[FIELDS[attribute]] = word(attribute, body[attribute]);
  for (const attribute of LIST_VALUED) {
    if (body[attribute] == null) continue;
    if (!Array.isArray(body[attribute])) throw new RestError(400, `"${attribute}" must be a list.`);
    input[FIELDS[attribute]] = (body[attribute] as unknown[]).map((v) => word(attribute, v));
  }
  const country = (value: unknown, key: string) => {
    const code = typeof value === 'string' ? countryCode(value) : undefined;
    if (!code) throw new RestError(400, `"${key}": "${String(value)}" is not a country name or ISO 3166 code.`);
    return code;
  };
  if (body.country != null) input.country = country(body.country, 'country');
  if (typeof body.city === 'string') input.city = body.city;
  if (body['country-vacations'] != null)
    input.holidayCountries = (body['country-vacations'] as unknown[]).map((c) => country(c, 'country-vacations'));
  if (Array.isArray(body['city-vacations'])) input.holidayCities = body['city-vacations'];
  return input;
}

/**
 * The six endpoints of the profiles REST API, at their old paths, methods, headers, bodies and status
 * codes, for integrations written against it. Each runs a GraphQL operation through the gateway, so
 * every rule (scopes, validation, erasure) has one implementation. `scrollID` is a connection cursor:
 * it does not expire after 60 seconds as the old one did, and stays valid while profiles are added.
 */
export function registerProfilesRestApi(root: FastifyInstance, execute: Execute): void {
  void root.register(async (app) => {
    // The document sends `Content-Type: application/json` on every call, DELETE and GET included,
    // with no body: an empty body is an empty object here, not an error.
    app.removeContentTypeParser('application/json');
    app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
      try {
        done(null, body === '' ? {} : JSON.parse(body as string));
      } catch {
        done(Object.assign(new Error('The body is not valid JSON.'), { statusCode: 400 }), undefined);
      }
    });
    routes(app, execute);
  });
}

function routes(app: FastifyInstance, execute: Execute): void {
  const run = async (caller: RestCaller, query: string, variables: Record<string, unknown>) => {
    const result = await execute(query, variables, caller);
    const error = result.errors?.[0];
    if (error) {
      const code = String(error.extensions?.code ?? 'INTERNAL_SERVER_ERROR');
      // The only cursor this API takes is `scrollID`: say so in its words rather than the connection's.
      if (code === 'BAD_USER_INPUT' && error.extensions?.field === 'after') {
        throw new RestError(
          400,
          'Invalid scrollID: pass the scrollID of the previous answer for this appID, or leave it out to start from the first profiles.',
        );
      }
      throw new RestError(STATUS[code] ?? (code === 'GRAPHQL_VALIDATION_FAILED' ? 400 : 500), error.message);
    }
    return result.data!;
  };
  const handle = (work: (request: any, reply: FastifyReply) => Promise<unknown>) => async (request: any, reply: FastifyReply) => {
    try {
      return await work(request, reply);
    } catch (err) {
      if (err instanceof RestError) return reply.code(err.status).send({ error: err.message });
      throw err;
    }
  };

  app.post(
    '/v1/users/profiles-by-device-ids',
    handle(async (request, reply) => {
      const body = (request.body ?? {}) as { deviceIDs?: unknown; appID?: unknown; scrollID?: unknown };
      if (typeof body.appID !== 'string') throw new RestError(400, 'The body needs an "appID" string.');
      const all = body.deviceIDs === '*';
      if (!all && !(Array.isArray(body.deviceIDs) && body.deviceIDs.every((d) => typeof d === 'string'))) {
        throw new RestError(400, '"deviceIDs" must be a list of device ids, or "*" for every device of the app.');
      }
      const data = await run(
        request,
        `query($appId: ID!, $deviceIds: [ID!], $after: String) { profiles(appId: $appId, deviceIds: $deviceIds, first: ${BATCH_SIZE}, after: $after) { pageInfo { hasNextPage endCursor } nodes { ${PROFILE_FIELDS} } } }`,
        { appId: body.appID, deviceIds: all ? null : body.deviceIDs, after: typeof body.scrollID === 'string' ? body.scrollID : null },
      );
      const page = data.profiles;
      return reply.send({ profiles: page.nodes.map(toRest), ...(page.pageInfo.hasNextPage ? { scrollID: page.pageInfo.endCursor } : {}) });
    }),
  );

  app.get(
    '/v1/users/profile-by-app-user-id/:appUserID/:appID',
    handle(async (request, reply) => {
      const { appUserID, appID } = request.params as { appUserID: string; appID: string };
      const data = await run(
        request,
        `query($a: ID!, $u: String!) { profileByAppUserId(appId: $a, appUserId: $u) { ${PROFILE_FIELDS} } }`,
        { a: appID, u: appUserID },
      );
      if (!data.profileByAppUserId) throw new RestError(404, `No profile for app user "${appUserID}" of app "${appID}".`);
      return reply.send({ profile: toRest(data.profileByAppUserId) });
    }),
  );

  app.get(
    '/v1/users/scanned-images-by-device-id/:deviceID/:appID',
    handle(async (request, reply) => {
      const { deviceID, appID } = request.params as { deviceID: string; appID: string };
      const data = await run(request, `query($a: ID!, $d: ID!) { scannedImageCount(appId: $a, deviceId: $d) }`, { a: appID, d: deviceID });
      return reply.send({ count: data.scannedImageCount });
    }),
  );

  app.delete(
    '/v1/users/delete-user-data-by-owner-id/:deviceID/:ownerID',
    handle(async (request, reply) => {
      const { deviceID, ownerID } = request.params as { deviceID: string; ownerID: string };
      await run(request, `mutation($i: DeleteUserDataByOwnerInput!) { deleteUserDataByOwner(input: $i) { id } }`, {
        i: { deviceId: deviceID, ownerId: ownerID },
      });
      return reply.code(200).send();
    }),
  );

  app.delete(
    '/v1/users/delete-user-data-by-app-id/:deviceID/:appID',
    handle(async (request, reply) => {
      const { deviceID, appID } = request.params as { deviceID: string; appID: string };
      await run(request, `mutation($i: DeleteUserDataByAppInput!) { deleteUserDataByApp(input: $i) { id } }`, {
        i: { deviceId: deviceID, appId: appID },
      });
      return reply.code(200).send();
    }),
  );

  app.post(
    '/v1/users/post-profile',
    handle(async (request, reply) => {
      const input = fromRest((request.body ?? {}) as Record<string, unknown>);
      await run(request, `mutation($i: PostProfileInput!) { postProfile(input: $i) { deviceId } }`, { i: input });
      return reply.code(201).send();
    }),
  );
}
