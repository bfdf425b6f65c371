/**
 * One identity's watchlist vectors, as enrolment (enroller.ts) makes them, the watchlist store keeps
 * them and the matcher (src/match/gallery.ts) searches them. Its own module so that the store does
 * not depend on the matcher.
 */
export interface GalleryEntry {
  readonly identityId: string;
  /** Unit-norm enrolment embeddings of this identity (one per photo). */
  readonly embeddings: readonly Float32Array[];
}
