const names = new Intl.DisplayNames(['en'], { type: 'region', fallback: 'code' });

/** A stored ISO 3166-1 alpha-2 code as the GraphQL `Country`. */
export const country = (code: string) => ({ code, name: names.of(code) ?? code });
