/**
 * A small protocol-buffers encoder (proto3 wire format), enough to write ONNX
 * models: varints (int32/int64/enum/bool), 32-bit floats, length-delimited
 * fields (strings, bytes, nested messages) and packed repeated scalars.
 * Nested messages are encoded bottom-up: a message's bytes are finished before
 * they are written, length-prefixed, into their parent.
 */

/** Wire types of the protobuf encoding. */
const VARINT = 0;
const FIXED32 = 5;
const LENGTH_DELIMITED = 2;

const utf8 = new TextEncoder();

/** Builds one message's bytes, field by field, in the order written. */
export class ProtoWriter {
  private buf = new Uint8Array(64);
  private len = 0;

  private reserve(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.len + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }

  private byte(b: number): void {
    this.reserve(1);
    this.buf[this.len++] = b;
  }

  /**
   * A raw varint. Negative integers (int32 and int64 alike) are written as
   * their 64-bit two's complement, ten bytes, as protobuf specifies.
   */
  rawVarint(value: number | bigint): void {
    if (typeof value === 'number') {
      if (!Number.isSafeInteger(value)) throw new RangeError(`protobuf: varint ${value} is not a safe integer`);
      if (value >= 0) {
        // Below 2^53: split with division, bitwise ops only cover 32 bits.
        let v = value;
        while (v >= 0x80) {
          this.byte((v % 0x80) | 0x80);
          v = Math.floor(v / 0x80);
        }
        this.byte(v);
        return;
      }
      value = BigInt(value);
    }
    let v = BigInt.asUintN(64, value);
    while (v >= 0x80n) {
      this.byte(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    this.byte(Number(v));
  }

  private tag(field: number, wire: number): void {
    this.rawVarint(field * 8 + wire);
  }

  /** A varint field (int32, int64, uint64, enum; bool as 0/1). */
  varint(field: number, value: number | bigint | boolean): this {
    this.tag(field, VARINT);
    this.rawVarint(typeof value === 'boolean' ? (value ? 1 : 0) : value);
    return this;
  }

  /** A `float` field (fixed 32 bits, little-endian). */
  float(field: number, value: number): this {
    this.tag(field, FIXED32);
    this.reserve(4);
    new DataView(this.buf.buffer, this.buf.byteOffset + this.len, 4).setFloat32(0, value, true);
    this.len += 4;
    return this;
  }

  /** A `bytes` field. */
  bytes(field: number, value: Uint8Array): this {
    this.tag(field, LENGTH_DELIMITED);
    this.rawVarint(value.length);
    this.reserve(value.length);
    this.buf.set(value, this.len);
    this.len += value.length;
    return this;
  }

  /** A `string` field (UTF-8). */
  string(field: number, value: string): this {
    return this.bytes(field, utf8.encode(value));
  }

  /** A nested message field: `message` is finished and written length-prefixed. */
  message(field: number, message: ProtoWriter): this {
    return this.bytes(field, message.finish());
  }

  /** A packed repeated varint field (`repeated int64 ints = n [packed]`); nothing for an empty list. */
  packedVarints(field: number, values: readonly (number | bigint)[]): this {
    if (values.length === 0) return this;
    const inner = new ProtoWriter();
    for (const v of values) inner.rawVarint(v);
    return this.bytes(field, inner.finish());
  }

  /** A packed repeated float field; nothing for an empty list. */
  packedFloats(field: number, values: ArrayLike<number>): this {
    if (values.length === 0) return this;
    const data = new Uint8Array(values.length * 4);
    const view = new DataView(data.buffer);
    for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i]!, true);
    return this.bytes(field, data);
  }

  /** The bytes written so far (a view; copy it before writing more). */
  finish(): Uint8Array {
    return this.buf.subarray(0, this.len);
  }
}

/**
 * Walks the fields of a protobuf message in `buf[start, end)`: `visit` gets each
 * length-delimited field's number and byte range (varint and fixed-size fields
 * are skipped). Enough to read a model's structure back (node counts, op types).
 */
export function visitProtoFields(buf: Uint8Array, start: number, end: number, visit: (field: number, from: number, to: number) => void): void {
  let p = start;
  const varint = () => {
    let v = 0;
    let mul = 1;
    for (;;) {
      const b = buf[p++]!;
      v += (b & 0x7f) * mul;
      mul *= 128;
      if (b < 0x80) return v;
    }
  };
  while (p < end) {
    const key = varint();
    const wire = key & 7;
    const field = Math.floor(key / 8);
    if (wire === 0) varint();
    else if (wire === 1) p += 8;
    else if (wire === 5) p += 4;
    else if (wire === 2) {
      const len = varint();
      visit(field, p, p + len);
      p += len;
    } else throw new Error(`visitProtoFields: unexpected wire type ${wire}`);
  }
}
