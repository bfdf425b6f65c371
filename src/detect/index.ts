/** Stage 2 of the pipeline: find (small, distant) faces in frames and cut the chips for the embedder. */
export {
  createFaceDetector,
  registerFaceDetector,
  faceDetectorTypes,
  DetectorConfigError,
} from './registry.ts';
export type { DetectorPlugin } from './registry.ts';
export type {
  FaceDetection,
  FaceDetector,
  DetectCallOptions,
  DetectStats,
  RegionOfInterest,
} from './types.ts';
export { TrackRegions, predictRegion } from './track-regions.ts';
export type { TrackedFace, TrackedFaceUpdate, TrackRegionOptions } from './track-regions.ts';
export type { FaceDetectorOptions, FaceDetectorType } from './options.ts';
export type { IgnoreZone } from './ignore-zones.ts';
export { cropFace, faceCropWindow } from './crop-face.ts';
