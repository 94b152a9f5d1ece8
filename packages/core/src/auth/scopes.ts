/**
 * The scopes an app credential can hold, in one place. API keys and app keys get the scopes their
 * account chose; an OAuth token gets the scopes its user consented to. The SDL names them in
 * `@allow(scopes: [...])`; anything no scope names is closed to apps.
 */
export const SCOPES = {
  'profiles:read': "Read the app's audience profiles and scanned-image counts.",
  'profiles:write': "Post the app's profiles and scanned-image counts.",
  'userdata:delete': "Erase a phone's data held for the app.",
  'user:read': "Read the consenting user's own name, email and role (OAuth).",
  'devices:read': 'Read the devices, groups and modes the credential may see, and their captures.',
  'marks:read': 'Read device marks and their face analyses, and receive new marks live.',
  'notifications:read': 'Read notifications and receive new ones live.',
} as const;

export type Scope = keyof typeof SCOPES;

export const isScope = (value: string): value is Scope => Object.hasOwn(SCOPES, value);
