import { describe, expect, it } from 'vitest';
import { ProtoWriter } from './protobuf.js';
import { encodeModel, encodeNode, encodeValueInfo, OnnxDataType } from './proto.js';

const hex = (b: Uint8Array) => [...b].map((x) => x.toString(16).padStart(2, '0')).join(' ');

/** A minimal protobuf reader, independent of the writer: (field, wire, value) triples. */
function readFields(b: Uint8Array): [number, number, bigint | Uint8Array | number][] {
  const out: [number, number, bigint | Uint8Array | number][] = [];
  let i = 0;
  const varint = (): bigint => {
    let v = 0n;
    let shift = 0n;
    for (;;) {
      const byte = b[i++]!;
      v |= BigInt(byte & 0x7f) << shift;
      shift += 7n;
      if (byte < 0x80) return v;
    }
  };
  while (i < b.length) {
    const key = Number(varint());
    const field = key >> 3;
    const wire = key & 7;
    if (wire === 0) out.push([field, wire, varint()]);
    else if (wire === 2) {
      const n = Number(varint());
      out.push([field, wire, b.subarray(i, i + n)]);
      i += n;
    } else if (wire === 5) {
      out.push([field, wire, new DataView(b.buffer, b.byteOffset + i, 4).getFloat32(0, true)]);
      i += 4;
    } else throw new Error(`wire type ${wire}`);
  }
  return out;
}

describe('protobuf encoder', () => {
  it('writes varints as the protobuf documentation examples', () => {
    // "08 96 01": field 1, varint 150 (protobuf encoding guide).
    expect(hex(new ProtoWriter().varint(1, 150).finish())).toBe('08 96 01');
    expect(hex(new ProtoWriter().varint(1, 0).finish())).toBe('08 00');
    expect(hex(new ProtoWriter().varint(1, 127).finish())).toBe('08 7f');
    expect(hex(new ProtoWriter().varint(1, 128).finish())).toBe('08 80 01');
    expect(hex(new ProtoWriter().varint(2, true).finish())).toBe('10 01');
    // A field number above 15 needs a two-byte key: (20 << 3) | 0 = 160.
    expect(hex(new ProtoWriter().varint(20, 7).finish())).toBe('a0 01 07');
  });

  it('writes negative integers as ten-byte 64-bit two\'s complement, and large ones exactly', () => {
    expect(hex(new ProtoWriter().varint(1, -1).finish())).toBe('08 ff ff ff ff ff ff ff ff ff 01');
    expect(hex(new ProtoWriter().varint(1, -2n).finish())).toBe('08 fe ff ff ff ff ff ff ff ff 01');
    const big = 2 ** 53 - 1;
    const [[, , v]] = readFields(new ProtoWriter().varint(1, big).finish()) as [[number, number, bigint]];
    expect(v).toBe(BigInt(big));
    const [[, , w]] = readFields(new ProtoWriter().varint(3, -(2 ** 40)).finish()) as [[number, number, bigint]];
    expect(BigInt.asIntN(64, w)).toBe(-(2n ** 40n));
    expect(() => new ProtoWriter().varint(1, 0.5)).toThrow(/not a safe integer/);
  });

  it('writes strings, bytes and nested messages length-delimited', () => {
    // "12 07 74 65 73 74 69 6e 67": field 2, string "testing" (protobuf encoding guide).
    expect(hex(new ProtoWriter().string(2, 'testing').finish())).toBe('12 07 74 65 73 74 69 6e 67');
    // "1a 03 08 96 01": field 3 holding a message whose field 1 is 150.
    expect(hex(new ProtoWriter().message(3, new ProtoWriter().varint(1, 150)).finish())).toBe('1a 03 08 96 01');
    expect(hex(new ProtoWriter().string(1, 'é').finish())).toBe('0a 02 c3 a9');
    // A 200-byte payload: its length is a two-byte varint.
    const long = new ProtoWriter().bytes(4, new Uint8Array(200).fill(7)).finish();
    expect(hex(long.subarray(0, 3))).toBe('22 c8 01');
    expect(long.length).toBe(203);
  });

  it('writes packed repeated varints and floats, and floats as fixed32', () => {
    // "22 06 03 8e 02 9e a7 05": field 4, packed [3, 270, 86942] (protobuf encoding guide).
    expect(hex(new ProtoWriter().packedVarints(4, [3, 270, 86942]).finish())).toBe('22 06 03 8e 02 9e a7 05');
    expect(new ProtoWriter().packedVarints(4, []).finish().length).toBe(0);
    expect(hex(new ProtoWriter().float(2, 1).finish())).toBe('15 00 00 80 3f');
    expect(hex(new ProtoWriter().packedFloats(7, [1, -2]).finish())).toBe('3a 08 00 00 80 3f 00 00 00 c0');
  });

  it('grows its buffer past the initial size without losing bytes', () => {
    const w = new ProtoWriter();
    for (let i = 0; i < 1000; i++) w.varint(1, i);
    const fields = readFields(w.finish());
    expect(fields.length).toBe(1000);
    expect(fields.map((f) => Number(f[2]))).toEqual([...Array(1000).keys()]);
  });
});

describe('ONNX messages', () => {
  it('encode a node with its inputs, outputs, op type and typed attributes', () => {
    const fields = readFields(
      encodeNode({ opType: 'Transpose', inputs: ['x'], outputs: ['y'], attributes: { perm: { ints: [1, 0] }, alpha: { float: 0.5 }, mode: { string: 'constant' } } }).finish(),
    );
    const dec = new TextDecoder();
    expect(fields.filter((f) => f[0] === 1).map((f) => dec.decode(f[2] as Uint8Array))).toEqual(['x']);
    expect(fields.filter((f) => f[0] === 2).map((f) => dec.decode(f[2] as Uint8Array))).toEqual(['y']);
    expect(dec.decode(fields.find((f) => f[0] === 4)![2] as Uint8Array)).toBe('Transpose');
    const attrs = fields.filter((f) => f[0] === 5).map((f) => readFields(f[2] as Uint8Array));
    expect(attrs.length).toBe(3);
    // perm: name, packed ints (field 8), type INTS = 7 (field 20).
    expect(dec.decode(attrs[0]!.find((f) => f[0] === 1)![2] as Uint8Array)).toBe('perm');
    expect(hex(attrs[0]!.find((f) => f[0] === 8)![2] as Uint8Array)).toBe('01 00');
    expect(attrs[0]!.find((f) => f[0] === 20)![2]).toBe(7n);
    expect(attrs[1]!.find((f) => f[0] === 2)![2]).toBe(0.5);
    expect(attrs[1]!.find((f) => f[0] === 20)![2]).toBe(1n);
    expect(dec.decode(attrs[2]!.find((f) => f[0] === 4)![2] as Uint8Array)).toBe('constant');
    expect(attrs[2]!.find((f) => f[0] === 20)![2]).toBe(3n);
  });

  it('encode a value info as type.tensor_type{elem_type, shape.dim[].dim_value}', () => {
    const [name, type] = readFields(encodeValueInfo({ name: 'x', dataType: OnnxDataType.FLOAT, shape: [2, 0] }).finish());
    expect(name![0]).toBe(1);
    expect(type![0]).toBe(2);
    const [tensorType] = readFields(type![2] as Uint8Array);
    const [elem, shape] = readFields(tensorType![2] as Uint8Array);
    expect(elem).toEqual([1, 0, 1n]);
    const dims = readFields(shape![2] as Uint8Array).map((d) => readFields(d[2] as Uint8Array)[0]![2]);
    expect(dims).toEqual([2n, 0n]);
  });

  it('encode a model with ir_version, producer, graph and the default-domain opset', () => {
    const bytes = encodeModel({
      irVersion: 8,
      opset: 17,
      producerName: 'fluxion',
      producerVersion: '0',
      graph: { name: 'g', nodes: [], initializers: [], inputs: [], outputs: [] },
    });
    const fields = readFields(bytes);
    expect(fields.map((f) => f[0])).toEqual([1, 2, 3, 7, 8]);
    expect(fields[0]![2]).toBe(8n);
    expect(readFields(fields[4]![2] as Uint8Array)).toEqual([
      [1, 2, new Uint8Array(0)],
      [2, 0, 17n],
    ]);
  });
});
