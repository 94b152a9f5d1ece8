/**
 * The fan-out benchmark's graph: four subgraphs whose data lives in memory, shaped so that one
 * operation fans out into many entities (products → reviews → authors, and @requires on every
 * product). Subgraph work is kept out of the measure: each subgraph answers a request body it has
 * seen before from memory, byte for byte, so the CPU spent is the gateway's.
 */
import { composeServices } from '@apollo/composition';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { execute, parse, type DocumentNode } from 'graphql';

const LINK = `extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@shareable", "@external", "@requires"])`;
const PRODUCTS = 100;
const REVIEWS_PER_PRODUCT = 5;
const USERS = 50;

const products = Array.from({ length: PRODUCTS }, (_, i) => ({
  id: `p${i}`,
  name: `Product ${i}`,
  price: 100 + i * 7,
  weight: 10 + (i % 13),
}));
const users = Array.from({ length: USERS }, (_, i) => ({ id: `u${i}`, name: `User ${i}`, email: `user${i}@example.com` }));
const reviewsOf = (productId: string) =>
  Array.from({ length: REVIEWS_PER_PRODUCT }, (_, j) => ({
    id: `${productId}-r${j}`,
    body: `Review ${j} of ${productId}`,
    rating: 1 + (j % 5),
    authorId: `u${(Number(productId.slice(1)) * 7 + j) % USERS}`,
  }));

const subgraphs: { name: string; typeDefs: DocumentNode; resolvers: Record<string, any> }[] = [
  {
    name: 'catalog',
    typeDefs: parse(`${LINK}
      type Query { products(first: Int!): [Product!]! }
      type Product @key(fields: "id") { id: ID!, name: String!, price: Int!, weight: Int! }`),
    resolvers: {
      Query: { products: (_: unknown, { first }: { first: number }) => products.slice(0, first) },
      Product: { __resolveReference: (ref: { id: string }) => products.find((p) => p.id === ref.id) },
    },
  },
  {
    name: 'reviews',
    typeDefs: parse(`${LINK}
      type Product @key(fields: "id") { id: ID!, reviews: [Review!]! }
      type Review { id: ID!, body: String!, rating: Int!, author: User! }
      type User @key(fields: "id", resolvable: false) { id: ID! }`),
    resolvers: {
      Product: { __resolveReference: (ref: { id: string }) => ref, reviews: (p: { id: string }) => reviewsOf(p.id) },
      Review: { author: (r: { authorId: string }) => ({ id: r.authorId }) },
    },
  },
  {
    name: 'users',
    typeDefs: parse(`${LINK}
      type User @key(fields: "id") { id: ID!, name: String!, email: String! }`),
    resolvers: { User: { __resolveReference: (ref: { id: string }) => users.find((u) => u.id === ref.id) } },
  },
  {
    name: 'inventory',
    typeDefs: parse(`${LINK}
      type Product @key(fields: "id") { id: ID!, price: Int! @external, weight: Int! @external, inStock: Boolean!, shippingEstimate: Int! @requires(fields: "price weight") }`),
    resolvers: {
      Product: {
        __resolveReference: (ref: { id: string; price: number; weight: number }) => ref,
        inStock: (p: { id: string }) => Number(p.id.slice(1)) % 3 !== 0,
        shippingEstimate: (p: { price: number; weight: number }) => (p.price > 500 ? 0 : p.weight * 2),
      },
    },
  },
];

export const FANOUT_QUERY = `query Fanout($first: Int!) {
  products(first: $first) {
    id name price inStock shippingEstimate
    reviews { id body rating author { id name email } }
  }
}`;
export const FANOUT_VARIABLES = { first: PRODUCTS };

export function fanoutSupergraph(urls: Record<string, string>): string {
  const composed = composeServices(
    subgraphs.map((s) => ({ name: s.name, typeDefs: s.typeDefs, url: urls[s.name] ?? `http://${s.name}.invalid` })),
  );
  if (composed.errors) throw new Error(composed.errors.map((e) => e.message).join('\n'));
  return composed.supergraphSdl;
}

export const subgraphNames = subgraphs.map((s) => s.name);

/** Answers a subgraph request body: executed once, then replayed from memory. */
export function fanoutSubgraph(name: string): (body: string) => Promise<string> {
  const definition = subgraphs.find((s) => s.name === name)!;
  const schema = buildSubgraphSchema({ typeDefs: definition.typeDefs, resolvers: definition.resolvers });
  const answers = new Map<string, string>();
  return async (body) => {
    let answer = answers.get(body);
    if (answer === undefined) {
      const { query, variables, operationName } = JSON.parse(body) as {
        query: string;
        variables?: Record<string, unknown>;
        operationName?: string;
      };
      const result = await execute({ schema, document: parse(query), variableValues: variables ?? {}, operationName });
      answer = JSON.stringify(result);
      // A bounded memory: the benchmark's bodies repeat, anything else is answered but not kept.
      if (answers.size < 1000) answers.set(body, answer);
    }
    return answer;
  };
}
