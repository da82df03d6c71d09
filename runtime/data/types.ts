// Browser-safe dataset types shared by the Node loaders (datasets.ts) and the batching code.

/** Images as NCHW uint8 (count × channels × height × width), with optional class labels. */
export interface Dataset {
  images: Uint8Array;
  count: number;
  channels: number;
  height: number;
  width: number;
  labels?: Uint8Array;
  name: string;
}

/**
 * A dataset that is missing or malformed. The message names the file and says what was expected,
 * so a CLI can print it as-is instead of a stack trace.
 */
export class DatasetError extends Error {
  override name = 'DatasetError';
}
