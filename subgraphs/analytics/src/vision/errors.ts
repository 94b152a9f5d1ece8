/**
 * Errors the engine raises for bad input. They are plain errors with a stable `code` rather than
 * GraphQL errors so the engine stays usable outside the graph; a resolver maps them to
 * `BAD_USER_INPUT` and can show `message` to the person who sent the image.
 */

/** Base class of every input error from the vision engine. */
export abstract class ImageInputError extends Error {
  abstract readonly code: string;
}

/** The bytes are not an image in a supported format, or the image is truncated or corrupt. */
export class ImageDecodeError extends ImageInputError {
  readonly code = 'IMAGE_DECODE_FAILED';

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ImageDecodeError';
  }
}

/** The image exceeds the configured byte or pixel limit; `limit` and `actual` say by how much. */
export class ImageTooLargeError extends ImageInputError {
  readonly code = 'IMAGE_TOO_LARGE';

  constructor(
    message: string,
    readonly limit: { kind: 'bytes' | 'pixels'; max: number; actual: number },
  ) {
    super(message);
    this.name = 'ImageTooLargeError';
  }
}
