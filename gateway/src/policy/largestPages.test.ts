import { readFileSync } from 'node:fs';
import { loadConfig } from '@iris/core';
import { buildSchema, parse, specifiedRules, validate } from 'graphql';
import { describe, expect, it } from 'vitest';
import { largestPages } from './largestPages.js';
import { costLimitError, limitParseOptions, limitValidationRules } from './limits.js';

const schema = buildSchema(readFileSync(new URL('../../../schema/api.graphql', import.meta.url), 'utf8'));
const defaults = loadConfig({});

describe('the default cost limit', () => {
  const pages = largestPages(schema);

  it('finds every connection of the schema with a documented largest page', () => {
    const connections = new Set(
      Object.values(schema.getTypeMap())
        .filter((t) => t.name.endsWith('Connection'))
        .map((t) => t.name),
    );
    expect(pages.length).toBeGreaterThanOrEqual(connections.size);
    expect(pages.map((page) => page.connection)).toEqual(
      expect.arrayContaining(['Query.deviceMarks', 'Account.deviceMarks', 'Account.devices', 'Query.profiles']),
    );
    if (process.env.PRINT_PAGE_COSTS) {
      console.log(
        `| connection | largest page | cost | limit |\n| --- | ---: | ---: | ---: |\n${pages.map((p) => `| \`${p.connection}\` | ${p.pageSize} | ${p.cost} | ${defaults.MAX_QUERY_COST} |`).join('\n')}`,
      );
    }
  });

  it('admits the largest documented page of every connection, with every field its nodes document', () => {
    for (const page of pages) {
      const document = parse(page.query, limitParseOptions(defaults));
      expect(
        [...validate(schema, document, [...specifiedRules, ...limitValidationRules(defaults)])].map(
          (e) => `${page.connection}: ${e.message}`,
        ),
      ).toEqual([]);
      expect(costLimitError(schema, document, {}, undefined, defaults.MAX_QUERY_COST)?.message, page.connection).toBeUndefined();
    }
  });

  it('still refuses a page of pages, and a page of pages of pages', () => {
    const nested = `{ deviceMarks(first: 100) { nodes { device { account { deviceMarks(first: 100) { nodes { device { name } data { url } analysis { width } } } } } } } }`;
    expect(costLimitError(schema, parse(nested), {}, undefined, defaults.MAX_QUERY_COST)?.message).toMatch(
      /estimated cost is 40401; the limit is 25000/,
    );
    const deeper = `{ deviceMarks(first: 100) { nodes { device { account { devices(first: 50) { nodes { captures(first: 50) { nodes { id } } } } } } } } }`;
    expect(costLimitError(schema, parse(deeper), {}, undefined, defaults.MAX_QUERY_COST)?.message).toMatch(/estimated cost is \d{6,}/);
  });
});
