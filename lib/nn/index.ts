/**
 * `fx.nn`: building blocks for models as plain functions over parameter
 * pytrees: initializers taking explicit PRNG keys, layers (`dense`,
 * `conv2d`, `layerNorm`, `dropout`) and losses (`mse`,
 * `softmaxCrossEntropy`, `sigmoidBinaryCrossEntropy`).
 */
export { fans, uniform, normal, glorotUniform, glorotNormal, heNormal, heUniform, xavierUniform, xavierNormal, denseInit, conv2dInit, layerNormInit, mlpInit, type Initializer, type InitOptions } from './init.js';
export { dense, conv2d, layerNorm, dropout, type DenseParams, type Conv2dParams, type LayerNormParams, type Conv2dOptions } from './layers.js';
export { mse, softmaxCrossEntropy, sigmoidBinaryCrossEntropy } from './losses.js';
export { gelu, leakyRelu, elu, selu, silu, swish, softSign, log1mexp, standardize, relu6, hardTanh, hardSigmoid, hardSilu, logSigmoid, celu, glu, mish, squareplus, sparsePlus, type GeluOptions, type StandardizeOptions } from './activations.js';
export { dotProductAttention, embedding, type AttentionOptions } from './attention.js';
export { rmsNorm, groupNorm, batchNorm, type RmsNormParams, type NormParams, type BatchNormStats, type BatchNormOptions } from './normalization.js';
// Branch numpy: the rest of jax.nn's activations.
export { sparseSigmoid } from './activations.js';
