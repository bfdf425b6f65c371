export { ADAPTER_DEFAULTS, createAdapterNet } from './adapter.ts';
export type { AdapterConfig } from './adapter.ts';
export { renderHistorySvg, type EpochRecord, type TrainingHistory } from './history.ts';
export {
  cosFaceLoss,
  cosineDistanceLoss,
  imprintWeights,
  l2Normalize,
  similarityPreservingLoss,
} from './losses.ts';
export { trainAdapter, type AdapterTrainOptions, type AdapterTrainResult } from './train-adapter.ts';
export {
  splitByIdentity,
  trainBridge,
  type TrainBridgeOptions,
  type TrainBridgeResult,
} from './train-bridge.ts';
export {
  trainStudent,
  type StudentSample,
  type StudentTrainOptions,
  type StudentTrainResult,
} from './train-student.ts';
export { cosineLearningRate, runTrainingLoop, type LoopOptions, type StageHooks } from './trainer.ts';
export { ABLATIONS, type Ablation, type BridgeSample } from './types.ts';
