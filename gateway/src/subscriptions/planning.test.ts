import { parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { Supergraph } from '@apollo/federation-internals';
import { planSubscription, soleSubgraph } from './planning.js';

const routes = new Map([['deviceMarkCreated', { subgraph: 'devices', lookupField: 'deviceMark' }]]);
const squash = (text: string) => text.replace(/\s+/g, ' ').trim();

describe('planSubscription', () => {
  it('asks the owning subgraph for keys only, and resolves the whole selection per event by id', () => {
    const plan = planSubscription(
      parse(`subscription Live($f: DeviceMarkSubscriptionFilter, $size: Int) {
        marks: deviceMarkCreated(filter: $f) { id device { name captures(first: $size) { totalCount } } ...More }
      }
      fragment More on DeviceMark { analysis { faces { score } } }`),
      'Live',
      routes,
    );
    if (plan instanceof Error) throw plan;
    expect(plan.responseKey).toBe('marks');
    expect(squash(plan.upstream)).toBe('subscription ($f: DeviceMarkSubscriptionFilter) { deviceMarkCreated(filter: $f) { id } }');
    expect(squash(plan.perEvent!)).toBe(
      squash(`query ($irisEventId: ID!, $size: Int) {
        marks: deviceMark(id: $irisEventId) { id device { name captures(first: $size) { totalCount } } ...More }
      }
      fragment More on DeviceMark { analysis { faces { score } } }`),
    );
  });

  it('refuses several root fields and unknown ones', () => {
    const two = planSubscription(parse(`subscription { deviceMarkCreated { id } other: deviceMarkCreated { id } }`), null, routes);
    expect(two).toBeInstanceOf(Error);
    const unknown = planSubscription(parse(`subscription { somethingElse { id } }`), null, routes);
    expect((unknown as Error).message).toMatch(/Unknown subscription field/);
  });

  it('sends a selection the owning subgraph answers alone to it whole, with no query per event', () => {
    const sole = soleSubgraph(Supergraph.build(readFileSync(new URL('../../../schema/supergraph.graphql', import.meta.url), 'utf8')));
    const local = planSubscription(
      parse(
        `subscription($f: DeviceMarkSubscriptionFilter) { m: deviceMarkCreated(filter: $f) { id createdAt device { name } ...F } } fragment F on DeviceMark { faceCount }`,
      ),
      null,
      routes,
      sole,
    );
    if (local instanceof Error) throw local;
    expect(local.perEvent).toBeNull();
    expect(squash(local.upstream)).toBe(
      squash(
        `subscription ($f: DeviceMarkSubscriptionFilter) { m: deviceMarkCreated(filter: $f) { id createdAt device { name } ...F } } fragment F on DeviceMark { faceCount }`,
      ),
    );

    const federated = planSubscription(parse(`subscription { deviceMarkCreated { id device { account { name } } } }`), null, routes, sole);
    if (federated instanceof Error) throw federated;
    expect(federated.perEvent).not.toBeNull();
    expect(squash(federated.upstream)).toBe('subscription { deviceMarkCreated { id } }');
  });
});
