/**
 * The operations this client sends. `pnpm codegen` (in this folder) reads them and generates, in
 * `generated/`, a typed document for each: `graphql()` below returns it, so every result and every
 * variable object is typed from the API schema (`schema/api.graphql`).
 */
import { graphql } from './generated/index.js';

export const SignIn = graphql(`
  mutation SignIn($input: LoginInput!) {
    login(input: $input) {
      accessToken
      refreshToken
      expiresAt
      user {
        id
        email
        displayName
        account {
          id
          name
        }
      }
    }
  }
`);

/** One page of an app's profiles; `fetchMore` with `after: pageInfo.endCursor` appends the next. */
export const ProfilesPage = graphql(`
  query ProfilesPage($appId: ID!, $filter: ProfileFilter, $first: Int, $after: String) {
    profiles(appId: $appId, filter: $filter, first: $first, after: $after) {
      totalCount
      edges {
        cursor
        node {
          appId
          deviceId
          gender
          age
          city
          country {
            code
            name
          }
        }
      }
      pageInfo {
        hasNextPage
        hasPreviousPage
        startCursor
        endCursor
      }
    }
  }
`);

/** A mark with what three subgraphs know of it: devices (device, group), identity (account), analytics (analysis). */
export const MarkDetails = graphql(`
  fragment MarkDetails on DeviceMark {
    id
    createdAt
    faceCount
    read
    device {
      id
      name
      model
      account {
        id
        name
      }
    }
    group {
      id
      name
    }
    data {
      id
      url
      analysisStatus
    }
    analysis {
      id
      faces {
        score
        expression {
          label
        }
      }
    }
  }
`);

/** A device and its marks, newest first. */
export const DeviceMarks = graphql(`
  query DeviceMarks($deviceId: ID!, $first: Int, $after: String) {
    device(id: $deviceId) {
      id
      name
      status
      group {
        id
        name
      }
    }
    deviceMarks(filter: { deviceId: $deviceId }, first: $first, after: $after) {
      totalCount
      edges {
        cursor
        node {
          ...MarkDetails
        }
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
`);

/** Each new mark of the devices you can see; `after` (the last mark id you got) replays what was missed. */
export const MarkCreated = graphql(`
  subscription MarkCreated($filter: DeviceMarkSubscriptionFilter, $after: String) {
    deviceMarkCreated(filter: $filter, after: $after) {
      ...MarkDetails
    }
  }
`);

/** Sends a camera capture inline; analysis runs after, and a capture with a face makes a mark. */
export const UploadCapture = graphql(`
  mutation UploadCapture($input: UploadCaptureInput!) {
    uploadCapture(input: $input) {
      id
      analysisStatus
    }
  }
`);
