/**
 * `fx.nn`: building blocks for models as plain functions over parameter
 * pytrees: initializers taking explicit PRNG keys, layers (`dense`,
 * `conv2d`, `layerNorm`, `dropout`) and losses (`mse`,
 * `softmaxCrossEntropy`, `sigmoidBinaryCrossEntropy`).
 */
export { fans, uniform, normal, glorotUniform, glorotNormal, heNormal, heUniform, xavierUniform, xavierNormal, denseInit, conv2dInit, layerNormInit, mlpInit, type Initializer, type InitOptions } from './init.js';
export { dense, conv2d, layerNorm, dropout, type DenseParams, type Conv2dParams, type LayerNormParams, type Conv2dOptions } from './layers.js';
export { mse, softmaxCrossEntropy, sigmoidBinaryCrossEntropy } from './losses.js';
