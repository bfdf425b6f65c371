// Placeholder replaced by the wasm training kernels (Conv2DBackpropFilter and the depthwise gradients).
export function registerWasmTrainingKernels(): void {}
