/** One person and their image files (absolute paths, sorted for determinism). */
export interface Identity {
  readonly name: string;
  readonly images: readonly string[];
}

/** A labelled face dataset: identities sorted by name. */
export interface FaceDataset {
  readonly root: string;
  readonly identities: readonly Identity[];
}

/** A verification pair: two image paths and whether they show the same person. */
export interface ImagePair {
  readonly a: string;
  readonly b: string;
  readonly same: boolean;
  /** Cross-validation fold from the protocol (LFW View 2), or null when the protocol defines none. */
  readonly fold: number | null;
}
