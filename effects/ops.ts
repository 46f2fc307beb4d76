/**
 * The lib ops the effects layer uses, with shape-agnostic signatures (the
 * samplers' shapes are checked at run time; their public signatures are typed).
 * @internal
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Dtype } from '../typelevel/index.js';
import { ConcreteTensor, type AnyTensor } from '../lib/core/tensor.js';
import * as fx from '../lib/index.js';

type T = AnyTensor;
type TL = AnyTensor | number;

export const add = fx.add as unknown as (a: TL, b: TL) => T;
export const sub = fx.sub as unknown as (a: TL, b: TL) => T;
export const mul = fx.mul as unknown as (a: TL, b: TL) => T;
export const div = fx.div as unknown as (a: TL, b: TL) => T;
export const neg = fx.neg as unknown as (a: T) => T;
export const exp = fx.exp as unknown as (a: T) => T;
export const log = fx.log as unknown as (a: T) => T;
export const sum = fx.sum as unknown as (a: T, axis?: number | number[], keepDims?: boolean) => T;
export const cast = fx.cast as unknown as (a: T, dtype: Dtype) => T;
export const stopGradient = fx.stopGradient as unknown as (a: T) => T;
export const less = fx.less as unknown as (a: TL, b: TL) => T;
export const argmax = fx.argmax as unknown as (a: T, axis?: number) => T;
export const logSoftmax = fx.logSoftmax as unknown as (a: T, axis?: number) => T;
export const oneHot = fx.oneHot as unknown as (a: T, depth: number) => T;
export const log1p = fx.log1p as unknown as (a: T) => T;
export const reshape = fx.reshape as unknown as (a: T, shape: number[]) => T;

/** A tensor from host data (already validated), registered in the current scope. */
export function hostTensor(data: Float32Array | Int32Array | Uint8Array, shape: readonly number[], dtype: Dtype): T {
  return new ConcreteTensor(tf.tensor(data, shape as number[], dtype)) as T;
}

export const slice = fx.slice as unknown as (a: T, begin: number[], size: number[]) => T;
export const greater = fx.greater as unknown as (a: TL, b: TL) => T;
export const maximum = fx.maximum as unknown as (a: TL, b: TL) => T;
export const where = fx.where as unknown as (cond: T, a: TL, b: TL) => T;
export const take = fx.take as unknown as (a: T, indices: T) => T;
export const broadcastTo = fx.broadcastTo as unknown as (a: T, shape: number[]) => T;
export const arange = fx.arange as unknown as (n: number) => T;
export const sqrt = fx.sqrt as unknown as (a: T) => T;
