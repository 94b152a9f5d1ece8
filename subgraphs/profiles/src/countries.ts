const names = new Intl.DisplayNames(['en'], { type: 'region', fallback: 'none' });

// Region codes ICU names that are not countries (or are aliases of one: UK is GB).
const NOT_COUNTRIES = new Set(['ZZ', 'EU', 'EZ', 'UN', 'QO', 'UK', 'XA', 'XB']);

/** Whether `code` is an ISO 3166-1 alpha-2 country code (Kosovo's user-assigned XK included). */
export const isCountryCode = (code: string) => /^[A-Z]{2}$/.test(code) && !NOT_COUNTRIES.has(code) && names.of(code) !== undefined;

/** Each code's English name, looked up in ICU once (a lookup costs microseconds, and a page names 50 countries). */
const nameCache = new Map<string, string>();

/** A stored ISO 3166-1 alpha-2 code as the GraphQL `Country`. */
export const country = (code: string) => {
  let name = nameCache.get(code);
  if (name === undefined) {
    name = names.of(code) ?? code;
    // Stored codes were checked on the way in (`isCountryCode`), so the cache holds at most ~250 names.
    if (nameCache.size < 1_000) nameCache.set(code, name);
  }
  return { code, name };
};
