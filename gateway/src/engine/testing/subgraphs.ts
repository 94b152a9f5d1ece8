import { composeServices } from '@apollo/composition';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { execute, GraphQLError, parse, type DocumentNode, type GraphQLSchema } from 'graphql';

/**
 * A small federated graph answered from memory, for comparing executors: six subgraphs with entities
 * (@key), @requires, @provides, @external, @shareable, @override, @inaccessible, @interfaceObject, an
 * interface and a union across subgraphs, lists of entities, and the faults a gateway must pass on:
 * field errors with codes, a null for a non-null field inside a subgraph, entities a subgraph does not
 * know (null in `_entities`), and a subgraph request that fails as a whole.
 */
const LINK = `extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@shareable", "@external", "@requires", "@provides", "@override", "@inaccessible", "@interfaceObject"])`;

const users = [
  { id: '1', name: 'Ada', username: 'ada', email: 'ada@example.com', birthYear: 1815, secret: 's1' },
  { id: '2', name: 'Alan', username: 'alan', email: 'alan@example.com', birthYear: 1912, secret: 's2' },
  { id: '3', name: 'Grace', username: 'grace', email: null, birthYear: null, secret: 's3' },
  { id: '4', name: 'Edsger', username: null, email: 'edsger@example.com', birthYear: 1930, secret: 's4' },
];
const products = [
  { upc: 'p1', name: 'Table', price: 899, weight: 100, warehouseCode: 'W-A', inStock: true },
  { upc: 'p2', name: 'Couch', price: 1299, weight: 1000, warehouseCode: 'W-B', inStock: false },
  { upc: 'p3', name: 'Chair', price: 54, weight: 50, warehouseCode: null, inStock: true },
  { upc: 'p4', name: null, price: null, weight: 20, warehouseCode: 'W-A', inStock: null },
  // The inventory subgraph is down for this one: its whole request fails.
  { upc: 'p5', name: 'Lamp', price: 30, weight: 3, warehouseCode: 'W-C', inStock: true },
];
const reviews = [
  { id: 'r1', body: 'Love it', rating: 5, authorId: '1', upc: 'p1' },
  { id: 'r2', body: 'Too expensive', rating: 2, authorId: '2', upc: 'p2' },
  { id: 'r3', body: 'Could be better', rating: 3, authorId: '3', upc: 'p3' },
  // A null body for a non-null field: the subgraph's own null propagation.
  { id: 'r4', body: null, rating: 4, authorId: '1', upc: 'p4' },
  // An author no subgraph but reviews knows: accounts answers null for it.
  { id: 'r5', body: 'Bright', rating: 4, authorId: '9', upc: 'p5' },
  { id: 'r6', body: 'Sturdy', rating: 5, authorId: '4', upc: 'p1' },
];
const media = [
  { __typename: 'Book', id: 'm1', title: 'Dune', pages: 412 },
  { __typename: 'Movie', id: 'm2', title: 'Alien', minutes: 117 },
  { __typename: 'Book', id: 'm3', title: 'Emma', pages: null },
];

const forbidden = (what: string) => new GraphQLError(`Not allowed to read ${what}`, { extensions: { code: 'FORBIDDEN' } });

interface Subgraph {
  name: string;
  typeDefs: DocumentNode;
  resolvers: Record<string, any>;
}

const subgraphs: Subgraph[] = [
  {
    name: 'accounts',
    typeDefs: parse(`${LINK}
      type Query { me: User, user(id: ID!): User, users: [User!]!, node(id: ID!): Node }
      interface Node { id: ID! }
      type User implements Node @key(fields: "id") {
        id: ID!
        name: String!
        username: String @shareable
        email: String
        birthYear: Int
        secret: String @inaccessible
      }`),
    resolvers: {
      Query: {
        me: () => users[0],
        user: (_: unknown, { id }: { id: string }) => users.find((u) => u.id === id) ?? null,
        // User 4 is reached through user(id:) and review r6 only: the reviews subgraph does not know them.
        users: () => users.slice(0, 3),
        node: (_: unknown, { id }: { id: string }) => users.find((u) => u.id === id) ?? null,
      },
      Node: { __resolveType: () => 'User' },
      User: {
        __resolveReference: (ref: { id: string }) => users.find((u) => u.id === ref.id) ?? null,
        email: (user: (typeof users)[number]) => {
          if (user.id === '2') throw forbidden('User.email');
          return user.email;
        },
      },
    },
  },
  {
    name: 'products',
    typeDefs: parse(`${LINK}
      type Query { topProducts(first: Int = 5): [Product!]!, product(upc: String!): Product, nodes: [Node!]! }
      interface Node { id: ID! }
      type Product implements Node @key(fields: "upc") {
        upc: String!
        id: ID!
        name: String @shareable
        price: Int
        weight: Int
        warehouseCode: String @inaccessible
        inStock: Boolean
      }`),
    resolvers: {
      Query: {
        topProducts: (_: unknown, { first }: { first: number }) => products.slice(0, Math.max(0, first)),
        product: (_: unknown, { upc }: { upc: string }) => products.find((p) => p.upc === upc) ?? null,
        nodes: () => products.slice(0, 3),
      },
      Node: { __resolveType: () => 'Product' },
      Product: {
        __resolveReference: (ref: { upc: string }) => products.find((p) => p.upc === ref.upc) ?? null,
        id: (p: { upc: string }) => `product:${p.upc}`,
        weight: (p: (typeof products)[number]) => {
          if (p.upc === 'p3') throw new GraphQLError('Scale broken', { extensions: { code: 'INTERNAL_SERVER_ERROR' } });
          return p.weight;
        },
      },
    },
  },
  {
    name: 'inventory',
    typeDefs: parse(`${LINK}
      type Product @key(fields: "upc") {
        upc: String!
        price: Int @external
        weight: Int @external
        warehouseCode: String @external
        inStock: Boolean @override(from: "products")
        shippingEstimate: Int @requires(fields: "price weight")
        location: String @requires(fields: "warehouseCode")
      }`),
    resolvers: {
      Product: {
        __resolveReference: (ref: { upc: string; price?: number | null; weight?: number | null; warehouseCode?: string | null }) => {
          const product = products.find((p) => p.upc === ref.upc);
          return product ? { ...ref, inStock: product.inStock } : null;
        },
        shippingEstimate: (p: { price?: number | null; weight?: number | null }) => {
          if (p.price == null) return null;
          return p.price > 1000 ? 0 : Math.round((p.weight ?? 0) * 0.5);
        },
        location: (p: { warehouseCode?: string | null }) => (p.warehouseCode ? `Hall ${p.warehouseCode}` : null),
      },
    },
  },
  {
    name: 'reviews',
    typeDefs: parse(`${LINK}
      type Query { reviews: [Review!]!, search(term: String): [SearchResult!]! }
      union SearchResult = Review | User
      type Review @key(fields: "id") {
        id: ID!
        body: String!
        rating: Int!
        author: User @provides(fields: "username")
        product: Product
      }
      type User @key(fields: "id") {
        id: ID!
        username: String @external
        reviews: [Review!]!
        numberOfReviews: Int!
      }
      type Product @key(fields: "upc") {
        upc: String!
        reviews: [Review!]!
        name: String @shareable
      }`),
    resolvers: {
      Query: {
        reviews: () => reviews,
        search: (_: unknown, { term }: { term?: string | null }) => [
          ...reviews.filter((r) => !term || (r.body ?? '').toLowerCase().includes(term.toLowerCase())).slice(0, 3),
          ...users.filter((u) => !term || u.name.toLowerCase().includes(term.toLowerCase())).map((u) => ({ __typename: 'User', id: u.id })),
        ],
      },
      SearchResult: { __resolveType: (value: { __typename?: string }) => value.__typename ?? 'Review' },
      Review: {
        __resolveReference: (ref: { id: string }) => reviews.find((r) => r.id === ref.id) ?? null,
        author: (r: (typeof reviews)[number]) => ({
          __typename: 'User',
          id: r.authorId,
          username: users.find((u) => u.id === r.authorId)?.username ?? null,
        }),
        product: (r: (typeof reviews)[number]) => ({ upc: r.upc }),
      },
      User: {
        // Users 1 to 3 have reviews here; user 4 is unknown to this subgraph.
        __resolveReference: (ref: { id: string }) => (ref.id === '4' ? null : { id: ref.id }),
        reviews: (u: { id: string }) => reviews.filter((r) => r.authorId === u.id),
        numberOfReviews: (u: { id: string }) => reviews.filter((r) => r.authorId === u.id).length,
      },
      Product: {
        __resolveReference: (ref: { upc: string }) => ({ upc: ref.upc }),
        reviews: (p: { upc: string }) => reviews.filter((r) => r.upc === p.upc),
        name: (p: { upc: string }) => products.find((x) => x.upc === p.upc)?.name ?? null,
      },
    },
  },
  {
    name: 'media',
    typeDefs: parse(`${LINK}
      type Query { media: [Media!]!, featured: Media }
      interface Media @key(fields: "id") { id: ID!, title: String! }
      type Book implements Media @key(fields: "id") { id: ID!, title: String!, pages: Int }
      type Movie implements Media @key(fields: "id") { id: ID!, title: String!, minutes: Int }`),
    resolvers: {
      Query: { media: () => media, featured: () => media[1] },
      Media: {
        __resolveType: (m: { __typename: string }) => m.__typename,
        __resolveReference: (ref: { id: string }) => media.find((m) => m.id === ref.id) ?? null,
      },
      Book: { __resolveReference: (ref: { id: string }) => media.find((m) => m.id === ref.id) ?? null },
      Movie: { __resolveReference: (ref: { id: string }) => media.find((m) => m.id === ref.id) ?? null },
    },
  },
  {
    name: 'ratings',
    typeDefs: parse(`${LINK}
      type Query { topRated: [Media!]! }
      type Media @key(fields: "id") @interfaceObject { id: ID!, stars: Int, fans: [User!]! }
      type User @key(fields: "id", resolvable: false) { id: ID! }`),
    resolvers: {
      Query: { topRated: () => [{ id: 'm2' }, { id: 'm1' }, { id: 'm9' }] },
      Media: {
        __resolveReference: (ref: { id: string }) => ({ id: ref.id }),
        stars: (m: { id: string }) => (m.id === 'm3' ? null : m.id.length + Number(m.id.slice(1))),
        fans: (m: { id: string }) => (m.id === 'm1' ? [{ id: '1' }, { id: '4' }] : [{ id: '2' }]),
      },
    },
  },
];

export interface InMemoryGraph {
  supergraphSdl: string;
  schemas: Map<string, GraphQLSchema>;
  /** Answers one subgraph request as the subgraph would over HTTP (a JSON round trip), or fails it as a whole. */
  fetch(
    serviceName: string,
    request: { query: string; variables?: Record<string, unknown>; operationName?: string },
  ): Promise<{ data?: any; errors?: any[] }>;
}

export function inMemoryGraph(): InMemoryGraph {
  const schemas = new Map(subgraphs.map((s) => [s.name, buildSubgraphSchema({ typeDefs: s.typeDefs, resolvers: s.resolvers })]));
  const composed = composeServices(subgraphs.map((s) => ({ name: s.name, typeDefs: s.typeDefs, url: `http://${s.name}.invalid/graphql` })));
  if (composed.errors) throw new Error(composed.errors.map((e) => e.message).join('\n'));
  const documents = new Map<string, DocumentNode>();
  return {
    supergraphSdl: composed.supergraphSdl,
    schemas,
    fetch: async (serviceName, request) => {
      const representations = request.variables?.representations as { upc?: string }[] | undefined;
      if (serviceName === 'inventory' && representations?.some((r) => r.upc === 'p5')) {
        // A macrotask first, as a network failure would take, so parallel fetches settle in a stable order.
        await new Promise((resolve) => setImmediate(resolve));
        throw new Error('connect ECONNREFUSED inventory');
      }
      let document = documents.get(request.query);
      if (!document) documents.set(request.query, (document = parse(request.query)));
      const result = await execute({
        schema: schemas.get(serviceName)!,
        document,
        variableValues: request.variables ?? {},
        operationName: request.operationName,
      });
      await new Promise((resolve) => setImmediate(resolve));
      return JSON.parse(JSON.stringify(result));
    },
  };
}
