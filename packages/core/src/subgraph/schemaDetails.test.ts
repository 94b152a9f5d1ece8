import { parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { asksForSchema, isGatewaySecret, withoutSuggestions } from './schemaDetails.js';

describe('withoutSuggestions', () => {
  it('removes every "Did you mean …?" and keeps the rest of the message', () => {
    expect(withoutSuggestions({ message: 'Cannot query field "nam" on type "Plan". Did you mean "name"?' }).message).toBe(
      'Cannot query field "nam" on type "Plan".',
    );
    expect(
      withoutSuggestions({
        message:
          'Variable "$i" got invalid value "X"; Value "X" does not exist in "Role" enum. Did you mean the enum value "MAIN" or "MEMBER"?',
      }).message,
    ).toBe('Variable "$i" got invalid value "X"; Value "X" does not exist in "Role" enum.');
    const plain = { message: 'Something else.', extensions: { code: 'BAD_USER_INPUT' } };
    expect(withoutSuggestions(plain)).toBe(plain);
  });
});

describe('asksForSchema', () => {
  it('finds _service and introspection fields anywhere in the document', () => {
    expect(asksForSchema(parse('{ _service { sdl } }'))).toBe(true);
    expect(asksForSchema(parse('query { ...F } fragment F on Query { __type(name: "X") { name } }'))).toBe(true);
    expect(asksForSchema(parse('{ me { __typename } }'))).toBe(false);
  });
});

describe('isGatewaySecret', () => {
  it('accepts only the secret itself', () => {
    expect(isGatewaySecret('s'.repeat(32), 's'.repeat(32))).toBe(true);
    expect(isGatewaySecret('s'.repeat(32), 's'.repeat(31))).toBe(false);
    expect(isGatewaySecret('s'.repeat(32), undefined)).toBe(false);
  });
});
