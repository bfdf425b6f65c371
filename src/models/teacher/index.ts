export type { AlignedFace, AlignOptions, Box, Teacher } from './types.ts';
export { createTeacher, clipBox, type FaceApiTeacher, type TeacherOptions } from './teacher.ts';
export { alignFileCached, embedFilesCached, type CacheOptions, type EmbedFilesOptions } from './cache.ts';
export { defaultCacheDir } from './cache-dir.ts';
export {
  chipTransform,
  detectorLikeBox,
  extractFaceChip,
  implausibleLandmarks,
  landmarkDrift,
  landmarksInChip,
  type ChipSpec,
} from './align.ts';
export {
  DLIB_CHIP_PADDING,
  DLIB_CHIP_SIZE,
  FIT_LANDMARKS,
  templatePoint,
  templatePoints,
} from './face-template.ts';
export {
  fitSimilarity,
  applySimilarity,
  invertSimilarity,
  similarityScale,
  type Similarity,
} from './similarity.ts';
export { warpToChip } from './warp.ts';
