import { readFileSync } from 'node:fs';
import { Supergraph } from '@apollo/federation-internals';
import { parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { planSubscription, soleSubgraph } from './planning.js';

const routes = new Map([['deviceMarkCreated', { subgraph: 'devices', lookupField: 'deviceMark' }]]);

describe('@defer in a subscription', () => {
  it('is dropped: each event is resolved, and sent, whole', () => {
    const sole = soleSubgraph(Supergraph.build(readFileSync(new URL('../../../schema/supergraph.graphql', import.meta.url), 'utf8')));
    const plan = planSubscription(
      parse(`subscription { deviceMarkCreated { id ... @defer(label: "a") { analysis { faces { score } } } } }`),
      null,
      routes,
      sole,
    );
    if (plan instanceof Error) throw plan;
    expect(`${plan.upstream}\n${plan.perEvent ?? ''}`).not.toMatch(/@defer/);
    expect(plan.perEvent ?? plan.upstream).toMatch(/analysis/);
  });
});
