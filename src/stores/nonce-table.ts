/**
 * The MemoryStore's used nonces in typed arrays: about 24 bytes each
 * (a string-keyed Map spends some 280), still O(1) per check.
 *
 * Each nonce is kept as a 64-bit fingerprint of (server URL, timestamp,
 * salt) — two 32-bit hashes with seeds drawn at random per table, so no one
 * outside the process can aim inputs at a bucket — plus its timestamp, in a
 * ring in insertion order (oldest first: what leaves when the bound is
 * reached), indexed by an open-addressing hash table (linear probing,
 * backward-shift deletion, at most half full). Two different nonces share a
 * fingerprint with probability about n / 2^64 per check (5e-14 at 1M): the
 * newer one would then be refused as seen — a failed login, never an
 * accepted replay.
 */

const FIRST_CAPACITY = 1024;

/** One 32-bit hash of the nonce's parts (lengths mixed in, so parts cannot run into each other). */
function hash(seed: number, serverUrl: string, timestamp: number, salt: string): number {
  let h = seed ^ serverUrl.length;
  for (let i = 0; i < serverUrl.length; i++) {
    h = Math.imul(h ^ serverUrl.charCodeAt(i), 0x5bd1e995);
    h ^= h >>> 15;
  }
  h = Math.imul(h ^ (timestamp >>> 0), 0x5bd1e995);
  h = Math.imul(h ^ Math.floor(timestamp / 0x100000000), 0x5bd1e995);
  h = Math.imul(h ^ salt.length, 0x5bd1e995);
  for (let i = 0; i < salt.length; i++) {
    h = Math.imul(h ^ salt.charCodeAt(i), 0x5bd1e995);
    h ^= h >>> 15;
  }
  // Final avalanche (MurmurHash3's fmix32).
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

export class NonceTable {
  readonly #max: number;
  readonly #seedA: number;
  readonly #seedB: number;
  // The ring, oldest at #head.
  #a: Uint32Array;
  #b: Uint32Array;
  #ts: Float64Array;
  #head = 0;
  #size = 0;
  /** Ring position + 1 per slot; 0 is empty. */
  #slots: Int32Array;
  #mask: number;

  constructor(max: number) {
    this.#max = max;
    const seeds = crypto.getRandomValues(new Uint32Array(2));
    this.#seedA = seeds[0] as number;
    this.#seedB = seeds[1] as number;
    const cap = Math.min(FIRST_CAPACITY, Math.max(1, max));
    this.#a = new Uint32Array(cap);
    this.#b = new Uint32Array(cap);
    this.#ts = new Float64Array(cap);
    this.#slots = new Int32Array(NonceTable.#slotsFor(cap));
    this.#mask = this.#slots.length - 1;
  }

  /** A power of two at least twice the ring: the table is at most half full. */
  static #slotsFor(cap: number): number {
    let n = 2;
    while (n < cap * 2) n *= 2;
    return n;
  }

  get size(): number {
    return this.#size;
  }

  /** Timestamp of the oldest stored nonce, or undefined when empty. */
  get oldestTimestamp(): number | undefined {
    return this.#size === 0 ? undefined : this.#ts[this.#head];
  }

  /** Add the nonce; false when it was there already. May leave size past the bound: the caller evicts. */
  add(serverUrl: string, timestamp: number, salt: string): boolean {
    const a = hash(this.#seedA, serverUrl, timestamp, salt);
    const b = hash(this.#seedB, serverUrl, timestamp, salt);
    const mask = this.#mask;
    let i = a & mask;
    for (let e = this.#slots[i] as number; e !== 0; e = this.#slots[i] as number) {
      if (this.#a[e - 1] === a && this.#b[e - 1] === b) return false;
      i = (i + 1) & mask;
    }
    if (this.#size === this.#a.length) {
      this.#resize(Math.min(this.#a.length * 2, Math.max(this.#max + 1, this.#a.length + 1)), -Infinity);
      return this.add(serverUrl, timestamp, salt);
    }
    const pos = (this.#head + this.#size) % this.#a.length;
    this.#a[pos] = a;
    this.#b[pos] = b;
    this.#ts[pos] = timestamp;
    this.#slots[i] = pos + 1;
    this.#size++;
    return true;
  }

  /** Remove the oldest stored nonce. */
  evictOldest(): void {
    if (this.#size === 0) return;
    const pos = this.#head;
    const mask = this.#mask;
    let s = (this.#a[pos] as number) & mask;
    while (this.#slots[s] !== pos + 1) s = (s + 1) & mask;
    // Backward-shift deletion: later entries of the probe run move up, so lookups never stop early.
    for (let j = (s + 1) & mask; ; j = (j + 1) & mask) {
      const e = this.#slots[j] as number;
      if (e === 0) break;
      const home = (this.#a[e - 1] as number) & mask;
      const between = s <= j ? home > s && home <= j : home > s || home <= j;
      if (!between) {
        this.#slots[s] = e;
        s = j;
      }
    }
    this.#slots[s] = 0;
    this.#head = (this.#head + 1) % this.#a.length;
    this.#size--;
  }

  /** Remove every nonce with a timestamp before `cutoff`, wherever it is; O(n). Returns how many. */
  removeOlderThan(cutoff: number): number {
    const before = this.#size;
    this.#resize(this.#a.length, cutoff);
    return before - this.#size;
  }

  /** Copy the ring, in order, into arrays of `cap` (keeping timestamps >= keepFrom), and re-index. */
  #resize(cap: number, keepFrom: number): void {
    const a = new Uint32Array(cap);
    const b = new Uint32Array(cap);
    const ts = new Float64Array(cap);
    let n = 0;
    for (let k = 0; k < this.#size; k++) {
      const p = (this.#head + k) % this.#a.length;
      const t = this.#ts[p] as number;
      if (t < keepFrom) continue;
      a[n] = this.#a[p] as number;
      b[n] = this.#b[p] as number;
      ts[n] = t;
      n++;
    }
    const slots = new Int32Array(NonceTable.#slotsFor(cap));
    const mask = slots.length - 1;
    for (let p = 0; p < n; p++) {
      let i = (a[p] as number) & mask;
      while (slots[i] !== 0) i = (i + 1) & mask;
      slots[i] = p + 1;
    }
    this.#a = a;
    this.#b = b;
    this.#ts = ts;
    this.#slots = slots;
    this.#mask = mask;
    this.#head = 0;
    this.#size = n;
  }
}
