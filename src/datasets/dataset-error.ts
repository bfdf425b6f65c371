/** Raised when a dataset on disk is missing, empty or malformed; the message names the file and problem. */
export class DatasetError extends Error {
  readonly code = 'DATASET_INVALID';
  constructor(message: string) {
    super(message);
    this.name = 'DatasetError';
  }
}
