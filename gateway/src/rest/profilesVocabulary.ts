/**
 * The profiles REST API's words for each value, and the graph's enum names. The document misspells
 * "unknown" as "unkown" in its examples; both are read as UNKNOWN, and "unknown" is written.
 */
const vocabulary = {
  gender: { male: 'MALE', female: 'FEMALE', unknown: 'UNKNOWN' },
  'marital-status': { single: 'SINGLE', 'in a relationship': 'IN_A_RELATIONSHIP', unknown: 'UNKNOWN' },
  'parental-status': { 'without children': 'WITHOUT_CHILDREN', 'with children': 'WITH_CHILDREN', unknown: 'UNKNOWN' },
  age: {
    'under 25': 'UNDER_25',
    '25-35': 'FROM_25_TO_35',
    '35-45': 'FROM_35_TO_45',
    '45-55': 'FROM_45_TO_55',
    'over 55': 'OVER_55',
    unknown: 'UNKNOWN',
  },
  transportation: { car: 'CAR' },
  pets: { dog: 'DOG' },
  sports: { active: 'ACTIVE', viewer: 'VIEWER' },
  'life-events': {
    'about to have a baby': 'ABOUT_TO_HAVE_A_BABY',
    'about to move home': 'ABOUT_TO_MOVE_HOME',
    'about to travel': 'ABOUT_TO_TRAVEL',
  },
} as const;

export type Attribute = keyof typeof vocabulary;
export const SINGLE_VALUED = ['gender', 'marital-status', 'parental-status', 'age'] as const;
export const LIST_VALUED = ['transportation', 'pets', 'sports', 'life-events'] as const;
/** REST key → GraphQL field. */
export const FIELDS: Record<Attribute | 'country' | 'city' | 'country-vacations' | 'city-vacations', string> = {
  gender: 'gender',
  'marital-status': 'maritalStatus',
  'parental-status': 'parentalStatus',
  age: 'age',
  transportation: 'transportation',
  pets: 'pets',
  sports: 'sports',
  'life-events': 'lifeEvents',
  country: 'country',
  city: 'city',
  'country-vacations': 'holidayCountries',
  'city-vacations': 'holidayCities',
};

/** A REST value as the graph's enum name, or undefined when the document does not list it. */
export function toEnum(attribute: Attribute, value: string): string | undefined {
  const normalised = value.trim().toLowerCase().replace(/[’‘]/g, "'");
  const key = normalised === 'unkown' ? 'unknown' : normalised;
  return (vocabulary[attribute] as Record<string, string>)[key];
}

export function fromEnum(attribute: Attribute, value: string): string {
  const entry = Object.entries(vocabulary[attribute]).find(([, name]) => name === value);
  return entry?.[0] ?? 'unknown';
}

export const allowedValues = (attribute: Attribute) => Object.keys(vocabulary[attribute]).join('", "');

const regionNames = new Intl.DisplayNames(['en'], { type: 'region', fallback: 'none' });
/** Names the REST API used that differ from the English region names (its examples write "Korea - South" and "UK"). */
const DOCUMENT_NAMES: Record<string, string> = { KR: 'Korea - South', KP: 'Korea - North', GB: 'UK', US: 'USA' };
const EXTRA_ALIASES: Record<string, string> = {
  'united states of america': 'US',
  'great britain': 'GB',
  england: 'GB',
  'south korea': 'KR',
  'north korea': 'KP',
};

let byName: Map<string, string> | undefined;
function countryIndex(): Map<string, string> {
  if (byName) return byName;
  byName = new Map();
  for (let a = 65; a <= 90; a++) {
    for (let b = 65; b <= 90; b++) {
      const code = String.fromCharCode(a, b);
      const name = regionNames.of(code);
      if (name && !['ZZ', 'EU', 'EZ', 'UN', 'QO', 'XA', 'XB'].includes(code)) byName.set(name.toLowerCase(), code === 'UK' ? 'GB' : code);
    }
  }
  for (const [code, name] of Object.entries(DOCUMENT_NAMES)) byName.set(name.toLowerCase(), code);
  for (const [name, code] of Object.entries(EXTRA_ALIASES)) byName.set(name, code);
  return byName;
}

/** A country as the REST API wrote it (a name, or an ISO code) → its ISO 3166-1 alpha-2 code. */
export function countryCode(value: string): string | undefined {
  const trimmed = value.trim();
  if (/^[A-Za-z]{2}$/.test(trimmed) && regionNames.of(trimmed.toUpperCase()))
    return trimmed.toUpperCase() === 'UK' ? 'GB' : trimmed.toUpperCase();
  return countryIndex().get(trimmed.toLowerCase());
}

/** An ISO code → the name the REST API writes. */
export const countryName = (code: string) => DOCUMENT_NAMES[code] ?? regionNames.of(code) ?? code;
