export {
  createStudentNet,
  STUDENT_DEFAULTS,
  STUDENT_MAX_PARAMS,
  type StudentConfig,
} from './architecture.ts';
export {
  dirLoadHandler,
  dirSaveHandler,
  loadModelFromDir,
  modelSizeOnDisk,
  saveModelToDir,
  type SaveModelOptions,
  type WeightQuantization,
} from './model-io.ts';
export { packImages, toStudentInput } from './preprocess.ts';
export {
  exportQuantizedStudent,
  loadStudentEmbedder,
  StudentEmbedder,
  type BatchNormFolder,
  type StudentEmbedderOptions,
} from './student-embedder.ts';
