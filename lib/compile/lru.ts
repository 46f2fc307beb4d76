/**
 * The trace cache of a jitted function: compiled programs by signature key,
 * least recently used first. A hit makes its entry the most recent; adding
 * past the capacity drops the oldest through `release`. A hit on the entry
 * that is already the most recent (a loop calling one signature) leaves the
 * order as it is: no delete and re-insert of a Map entry on every call.
 */
export class TraceCache<V> {
  private readonly entries = new Map<string, V>();
  private newest: string | undefined;

  constructor(
    private readonly capacity: number,
    private readonly release: (v: V) => void,
  ) {}

  /** The entry under `key`, now the most recently used, if cached. */
  get(key: string): V | undefined {
    const hit = this.entries.get(key);
    if (hit !== undefined && key !== this.newest) {
      this.entries.delete(key);
      this.entries.set(key, hit);
      this.newest = key;
    }
    return hit;
  }

  /** Adds a new entry; returns how many old ones were dropped to stay within the capacity. */
  add(key: string, value: V): number {
    this.entries.set(key, value);
    this.newest = key;
    let evicted = 0;
    while (this.entries.size > this.capacity) {
      const [oldest, old] = this.entries.entries().next().value!;
      this.entries.delete(oldest);
      this.release(old);
      evicted++;
    }
    return evicted;
  }

  /** Releases and drops every entry. */
  clear(): void {
    for (const v of this.entries.values()) this.release(v);
    this.entries.clear();
    this.newest = undefined;
  }
}
