/** The operations the gateway benchmark sends, each with the subgraphs its query plan touches. */
export interface Operation {
  name: string;
  description: string;
  query: string;
  variables: Record<string, unknown>;
  /** The subgraph that can answer it alone, for the floor measurement. */
  subgraph?: string;
}

export function operations(ids: { appId: string; markId: string }): Operation[] {
  return [
    {
      name: 'profiles',
      description: 'a page of 50 profiles (profiles)',
      subgraph: 'profiles',
      query: `query BenchProfiles($appId: ID!, $first: Int!, $after: String) {
  profiles(appId: $appId, first: $first, after: $after) {
    pageInfo { hasNextPage endCursor }
    nodes { deviceId gender age maritalStatus country { code name } updatedAt }
  }
}`,
      variables: { appId: ids.appId, first: 50 },
    },
    {
      name: 'marks',
      description: 'a page of 50 marks with device, account and face analysis (devices, identity, analytics)',
      query: `query BenchMarks($first: Int!, $after: String) {
  deviceMarks(first: $first, after: $after) {
    pageInfo { hasNextPage endCursor }
    nodes {
      id createdAt faceCount read
      device { name account { name } }
      analysis { id width height faces { score box { x y width height } expression { label } } }
    }
  }
}`,
      variables: { first: 50 },
    },
    {
      name: 'nested',
      description: 'one mark, nested through device, group, account and captures to their analyses (devices, identity, analytics)',
      query: `query BenchNested($id: ID!) {
  deviceMark(id: $id) {
    id createdAt
    analysis { id durationMs models { detector expression } faces { score eyes { left { open } right { open } } expression { label scores { label score } } } }
    data { id contentType width height analysis { id width } }
    device {
      id name model
      account { id name email }
      group {
        name
        account {
          name
          devices(first: 5) {
            nodes {
              name
              account { name }
              captures(first: 3) { nodes { id byteSize analysis { id createdAt faces { box { x y width height } } } } }
            }
          }
        }
      }
    }
  }
}`,
      variables: { id: ids.markId },
    },
  ];
}
