/**
 * Every operation the page sends. `pnpm codegen` turns each into a typed document in `generated/`, so
 * results and variables are typed from the API schema.
 */
import { graphql } from './generated/index.js';

/** Tokens and the user; `login` and `refreshToken` answer the same payload. */
export const SessionFields = graphql(`
  fragment SessionFields on AuthPayload {
    accessToken
    expiresAt
    refreshToken
    user {
      id
      email
      displayName
    }
  }
`);

export const SignIn = graphql(`
  mutation SignIn($input: LoginInput!) {
    login(input: $input) {
      ...SessionFields
    }
  }
`);

/** Redeems the refresh token (each works once) for new tokens before the access token expires. */
export const RefreshSession = graphql(`
  mutation RefreshSession($input: RefreshTokenInput!) {
    refreshToken(input: $input) {
      ...SessionFields
    }
  }
`);

export const SignOut = graphql(`
  mutation SignOut($input: LogoutInput!) {
    logout(input: $input) {
      revoked
    }
  }
`);

/** The signed-in user's account and the devices a photo can be uploaded for. */
export const MyDevices = graphql(`
  query MyDevices {
    me {
      id
      account {
        id
        name
        devices(first: 50) {
          edges {
            node {
              id
              name
            }
          }
        }
      }
    }
  }
`);

/** What the list shows of a mark: its device (devices), its image and the faces found (analytics). */
export const MarkCard = graphql(`
  fragment MarkCard on DeviceMark {
    id
    createdAt
    faceCount
    device {
      id
      name
    }
    data {
      id
      url
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

/** A page of the marks of every device you can see, newest first; `fetchMore` with `after` appends the next. */
export const MarksPage = graphql(`
  query MarksPage($first: Int!, $after: String) {
    deviceMarks(first: $first, after: $after) {
      totalCount
      edges {
        cursor
        node {
          ...MarkCard
        }
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
`);

/** Each new mark of the devices you can see, as it is made; `after` (a mark id) first replays those made since it. */
export const MarkCreated = graphql(`
  subscription MarkCreated($after: String) {
    deviceMarkCreated(after: $after) {
      ...MarkCard
    }
  }
`);

/** A signed URL to PUT a photo to; the stored capture is analysed like any other. */
export const CreateUploadUrl = graphql(`
  mutation CreateUploadUrl($input: CreateCaptureUploadUrlInput!) {
    createCaptureUploadUrl(input: $input) {
      url
      maxBytes
    }
  }
`);
