import { murmur3Utf8 } from './murmur3.js';

/** Largest total weight flagd accepts (Go's math.MaxInt32). */
export const MAX_TOTAL_WEIGHT = 2147483647;

/**
 * flagd "v2" bucket: floor(hash × totalWeight / 2^32), exact for every uint32 hash and total up to
 * MAX_TOTAL_WEIGHT without BigInt (the product can reach 2^63, beyond a double's 53 bits).
 */
export function bucketOf(hash: number, totalWeight: number): number {
  if (totalWeight <= 0x200000) return Math.floor((hash * totalWeight) / 4294967296);
  // Split the hash into 16-bit halves; each partial product stays below 2^47.
  const high = (hash >>> 16) * totalWeight;
  const low = (hash & 0xffff) * totalWeight;
  return Math.floor((high + Math.floor(low / 65536)) / 65536);
}

/** Bucket of a bucketing value for a given total weight. */
export function bucketFor(value: string, totalWeight: number): number {
  return bucketOf(murmur3Utf8(value), totalWeight);
}
