/**
 * fx.linalg: decompositions keep the batch axes and give literal shapes
 * (the smaller of m and n as a literal through `MinDim`); non-square input
 * to square-only functions is a compile-time error.
 */
import { expectType } from 'tsd';
import * as fx from '../dist/lib/index.js';
import type { Tensor } from '../dist/lib/index.js';

type F32<S extends fx.Shape> = Tensor<S, 'float32'>;
declare const sq: F32<[5, 3, 3]>;
declare const tall: F32<[4, 2]>;
declare const wide: F32<[2, 7]>;

const [w, v] = fx.linalg.eigh(sq);
expectType<F32<[5, 3]>>(w);
expectType<F32<[5, 3, 3]>>(v);
expectType<F32<[5, 3]>>(fx.linalg.eigvalsh(sq));

const [u, s, vh] = fx.linalg.svd(tall);
expectType<F32<[4, 2]>>(u);
expectType<F32<[2]>>(s);
expectType<F32<[2, 2]>>(vh);
const [uf, , vhf] = fx.linalg.svd(wide, { fullMatrices: true });
expectType<F32<[2, 2]>>(uf);
expectType<F32<[7, 7]>>(vhf);
expectType<F32<[2]>>(fx.linalg.svdvals(wide));
expectType<F32<[2]>>(fx.linalg.svd(wide, { computeUv: false }));

const [q, r] = fx.linalg.qr(tall);
expectType<F32<[4, 2]>>(q);
expectType<F32<[2, 2]>>(r);
const [qc, rc] = fx.linalg.qr(tall, { mode: 'complete' });
expectType<F32<[4, 4]>>(qc);
expectType<F32<[4, 2]>>(rc);

const [p, l, uu] = fx.linalg.lu(wide);
expectType<F32<[2, 2]>>(p);
expectType<F32<[2, 2]>>(l);
expectType<F32<[2, 7]>>(uu);
const [sign, logabsdet] = fx.linalg.slogdet(sq);
expectType<F32<[5]>>(sign);
expectType<F32<[5]>>(logabsdet);
expectType<F32<[5, 3, 3]>>(fx.linalg.expm(sq));
expectType<F32<[2, 4]>>(fx.linalg.pinv(tall));
expectType<F32<[5, 3, 3]>>(fx.linalg.matrixPower(sq, -2));

// @ts-expect-error eigh needs square matrices
fx.linalg.eigh(tall);
// @ts-expect-error expm needs square matrices
fx.linalg.expm(wide);
