import { describe, expect, it } from 'vitest';
import { isSubscription, transportOf } from './httpSubscriptions.js';

describe('subscriptions over plain HTTP', () => {
  it('choose the transport from Accept, as Apollo Client, graphql-sse and EventSource send it', () => {
    expect(
      transportOf('multipart/mixed;boundary=graphql;subscriptionSpec=1.0,application/graphql-response+json,application/json;q=0.9'),
    ).toBe('multipart');
    expect(transportOf('multipart/mixed; subscriptionSpec="1.0", application/json')).toBe('multipart');
    expect(transportOf('text/event-stream')).toBe('sse');
    expect(transportOf('application/json, text/event-stream')).toBe('sse');
    // Multipart without the subscription spec is @defer's, not a subscription transport.
    expect(transportOf('multipart/mixed;deferSpec=20220824, application/json')).toBeNull();
    expect(transportOf('application/json')).toBeNull();
    expect(transportOf(undefined)).toBeNull();
  });

  it('tell a subscription from other operations by its tokens, by operationName when there are several', () => {
    expect(isSubscription({ query: 'subscription { deviceMarkCreated { id } }' })).toBe(true);
    expect(
      isSubscription({
        query: '# a comment\n subscription Marks($f: Filter) { deviceMarkCreated(filter: $f) { id ...F } } fragment F on DeviceMark { id }',
      }),
    ).toBe(true);
    expect(isSubscription({ query: '{ me { subscription: id } }' })).toBe(false);
    expect(isSubscription({ query: 'query { subscriptionPlans { id } }' })).toBe(false);
    expect(isSubscription({ query: 'query Q { me { id } } subscription S { deviceMarkCreated { id } }', operationName: 'S' })).toBe(true);
    expect(isSubscription({ query: 'query Q { me { id } } subscription S { deviceMarkCreated { id } }', operationName: 'Q' })).toBe(false);
    expect(isSubscription({ query: 'query Q { me { id } } subscription S { deviceMarkCreated { id } }' })).toBe(false);
    expect(isSubscription({ query: 'subscription { "unterminated' })).toBe(false);
  });
});
