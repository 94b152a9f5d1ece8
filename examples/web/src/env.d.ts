/// <reference types="vite/client" />

interface ImportMetaEnv {
  /** The gateway's GraphQL endpoint; http://localhost:4000/graphql when unset. */
  readonly VITE_IRIS_URL?: string;
  /** Marks per page; 10 when unset. */
  readonly VITE_MARKS_PAGE_SIZE?: string;
}
