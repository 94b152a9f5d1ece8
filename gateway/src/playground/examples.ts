/** Ready-made operations for each flow of the two REST documents, one playground tab each. */
export const EXAMPLE_TABS: { title: string; query: string; variables?: string; headers?: string }[] = [
  {
    title: 'Sign in',
    query: `# Sign in with the demo account (or use the form above). The playground keeps the tokens:
# every tab and subscription then sends the access token, renewed before it expires.
# A credential typed in the Headers tab (Authorization, api_key, app_id + app_key) wins over it.
mutation SignIn {
  login(input: { email: "demo@iris.dev", password: "iris-demo-password" }) {
    accessToken
    refreshToken
    expiresAt
    user { email role account { name } }
  }
}
`,
  },
  {
    title: 'Profiles page by page',
    query: `# Replaces the profiles API's scrollID: pass pageInfo.endCursor as $after for the next page.
query ProfilesPage($after: String) {
  profiles(appId: "demo-app", first: 2, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    nodes { deviceId gender maritalStatus age country { code name } city lifeEvents scannedImageCount }
  }
}
`,
    variables: '{ "after": null }',
  },
  {
    title: "A device's marks",
    query: `query DeviceMarks {
  deviceMarks(filter: { deviceId: "0190a000-0000-7000-8000-000000000201" }, orderBy: { field: CREATED_AT, direction: DESC }, first: 10) {
    totalCount
    nodes {
      createdAt read
      device { name group { name } account { name } }
      mode { name }
      analysis { faces { score expression { label } eyes { left { open } right { open } } } }
      data { url }
    }
  }
}
`,
  },
  {
    title: 'Face analysis',
    query: `# The camera document's POST /face/detect: paste a base64 JPEG or PNG into the variables.
mutation AnalyzeImage($image: String!) {
  analyzeImage(input: { imageBase64: $image }) {
    width height durationMs
    faces { score box { x y width height } eyes { left { open probability } right { open probability } } expression { label scores { label score } } }
  }
}
`,
    variables: '{ "image": "" }',
  },
  {
    title: 'Live marks',
    query: `# Keeps running: every new mark of your devices arrives here (graphql-ws).
subscription LiveMarks {
  deviceMarkCreated {
    id createdAt faceCount
    device { name account { name } }
    analysis { faces { expression { label } } }
  }
}
`,
  },
];
