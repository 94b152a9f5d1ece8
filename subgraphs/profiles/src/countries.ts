const names = new Intl.DisplayNames(['en'], { type: 'region', fallback: 'none' });

// Region codes ICU names that are not countries (or are aliases of one: UK is GB).
const NOT_COUNTRIES = new Set(['ZZ', 'EU', 'EZ', 'UN', 'QO', 'UK', 'XA', 'XB']);

/** Whether `code` is an ISO 3166-1 alpha-2 country code (Kosovo's user-assigned XK included). */
export const isCountryCode = (code: string) => /^[A-Z]{2}$/.test(code) && !NOT_COUNTRIES.has(code) && names.of(code) !== undefined;

/** A stored ISO 3166-1 alpha-2 code as the GraphQL `Country`. */
export const country = (code: string) => ({ code, name: names.of(code) ?? code });
