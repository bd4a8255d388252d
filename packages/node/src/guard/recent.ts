/**
 * The last `max` entries set, oldest dropped first: a Map keeps insertion order, and setting a key
 * again moves it to the end. What the guard needs from an LRU cache (users' last variants), without a
 * 3 MB dependency in every Node install.
 */
export class RecentMap<K, V> {
  private readonly map = new Map<K, V>();

  constructor(private readonly max: number) {}

  get size(): number {
    return this.map.size;
  }

  get(key: K): V | undefined {
    return this.map.get(key);
  }

  set(key: K, value: V): void {
    this.map.delete(key);
    this.map.set(key, value);
    if (this.map.size > this.max) this.map.delete(this.map.keys().next().value as K);
  }
}
