import { randomBytes } from "node:crypto";

const WORD = 32;
const INITIAL_CAPACITY = 1 << 12;
/** A million words: a 64 MiB table, what a million-receipt epoch needs. */
const MAX_PRESIZED_WORDS = 1 << 20;

/**
 * A set of 32-byte words (receipt request ids) kept as bytes in one table. Hand-written: no
 * well-kept library holds fixed-size binary keys outside the JS heap, and a Set of a million
 * strings made from those bytes was a tenth of an epoch's main thread plus the collector's work on
 * them. Open addressing with linear probing, at most half full; buckets come from a keyed hash
 * whose key is drawn per set.
 */
export class WordSet {
  private table: Uint8Array;
  private used: Uint8Array;
  private mask: number;
  private count = 0;
  private readonly key0: number;
  private readonly key1: number;

  /**
   * `expected`: how many words the set will likely hold, so it is sized once instead of grown. Only
   * up to MAX_PRESIZED_WORDS: the count comes from what batches declare on chain, and a false one
   * must not reserve memory before any file is checked; a larger set grows as words arrive.
   */
  constructor(expected = 0) {
    const key = randomBytes(8);
    this.key0 = key.readInt32LE(0);
    this.key1 = key.readInt32LE(4);
    let capacity = INITIAL_CAPACITY;
    while (capacity < 2 * Math.min(expected, MAX_PRESIZED_WORDS)) capacity *= 2;
    this.table = new Uint8Array(capacity * WORD);
    this.used = new Uint8Array(capacity);
    this.mask = capacity - 1;
  }

  /** Whether the 32 bytes of `bytes` at `offset` are in the set. */
  has(bytes: Uint8Array, offset: number): boolean {
    return this.used[this.slotOf(bytes, offset)] === 1;
  }

  /** Adds the 32 bytes of `bytes` at `offset` (nothing changes when they are in the set already). */
  add(bytes: Uint8Array, offset: number): void {
    const slot = this.slotOf(bytes, offset);
    if (this.used[slot] === 1) return;
    this.table.set(bytes.subarray(offset, offset + WORD), slot * WORD);
    this.used[slot] = 1;
    if (++this.count * 2 > this.used.length) this.grow();
  }

  private slotOf(bytes: Uint8Array, offset: number): number {
    if (!Number.isInteger(offset) || offset < 0 || offset + WORD > bytes.length) {
      throw new RangeError(`A 32-byte word at offset ${offset} does not fit in ${bytes.length} bytes.`);
    }
    return this.find(bytes, offset);
  }

  /** The slot holding the word, or the empty slot where it would go. */
  private find(bytes: Uint8Array, offset: number): number {
    const { table, used, mask } = this;
    let slot = this.bucket(bytes, offset);
    while (used[slot] === 1 && !sameWord(table, slot * WORD, bytes, offset)) slot = (slot + 1) & mask;
    return slot;
  }

  /**
   * HalfSipHash-1-3's rounds over the word's eight 32-bit pieces, keyed by the set's seed: request
   * ids that differ in a few bytes (sequential ones) still spread, and without the key nobody can
   * choose ids that meet in one bucket.
   */
  private bucket(bytes: Uint8Array, offset: number): number {
    const v = SIP;
    v[0] = this.key0;
    v[1] = this.key1;
    v[2] = this.key0 ^ 0x6c796765;
    v[3] = this.key1 ^ 0x74656462;
    for (let k = offset; k <= offset + WORD; k += 4) {
      // HalfSipHash's final block carries the input's length (32) in its top byte.
      const m =
        k < offset + WORD
          ? bytes[k]! | (bytes[k + 1]! << 8) | (bytes[k + 2]! << 16) | (bytes[k + 3]! << 24)
          : WORD << 24;
      v[3]! ^= m;
      sipRound(v);
      v[0]! ^= m;
    }
    v[2]! ^= 0xff;
    sipRound(v);
    sipRound(v);
    sipRound(v);
    return (v[1]! ^ v[3]!) & this.mask;
  }

  private grow(): void {
    const { table, used } = this;
    const capacity = used.length * 2;
    this.table = new Uint8Array(capacity * WORD);
    this.used = new Uint8Array(capacity);
    this.mask = capacity - 1;
    for (let slot = 0; slot < used.length; slot++) {
      if (used[slot] !== 1) continue;
      const to = this.find(table, slot * WORD);
      this.table.set(table.subarray(slot * WORD, slot * WORD + WORD), to * WORD);
      this.used[to] = 1;
    }
  }
}

function sameWord(a: Uint8Array, aOffset: number, b: Uint8Array, bOffset: number): boolean {
  for (let k = 0; k < WORD; k++) if (a[aOffset + k] !== b[bOffset + k]) return false;
  return true;
}

function rotl(x: number, bits: number): number {
  return (x << bits) | (x >>> (32 - bits));
}

/** HalfSipHash's state, reused by every bucket computation (this thread runs one at a time). */
const SIP = new Int32Array(4);

function sipRound(v: Int32Array): void {
  v[0] = v[0]! + v[1]!;
  v[1] = rotl(v[1]!, 5) ^ v[0]!;
  v[0] = rotl(v[0]!, 16);
  v[2] = v[2]! + v[3]!;
  v[3] = rotl(v[3]!, 8) ^ v[2]!;
  v[0] = v[0]! + v[3]!;
  v[3] = rotl(v[3]!, 7) ^ v[0]!;
  v[2] = v[2]! + v[1]!;
  v[1] = rotl(v[1]!, 13) ^ v[2]!;
  v[2] = rotl(v[2]!, 16);
}
