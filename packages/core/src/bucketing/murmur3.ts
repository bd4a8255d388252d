/**
 * MurmurHash3 x86_32 over the UTF-8 bytes of a JavaScript string, seed 0 by default. Lone
 * surrogates become U+FFFD, as TextEncoder and Go's JSON decoder do. Cross-checked in tests against
 * `murmurhash3js-revisited` over TextEncoder bytes.
 */
export function murmur3Utf8(text: string, seed = 0): number {
  return murmur3Utf8Concat(text, '', seed);
}

const NON_ASCII = /[^\0-\x7f]/;
let encoder: TextEncoder | undefined;

/**
 * The hash of `first + second`. ASCII (flag keys and ids, almost always) is hashed from the char codes
 * without building the concatenation — fractional's shorthand hashes flagKey + targetingKey on every
 * call; anything else goes through TextEncoder.
 */
export function murmur3Utf8Concat(first: string, second: string, seed = 0): number {
  const split = first.length;
  if (NON_ASCII.test(first) || NON_ASCII.test(second)) {
    const bytes = (encoder ??= new TextEncoder()).encode(first + second);
    return hash(bytes.length, (i) => bytes[i], seed);
  }
  return hash(split + second.length, (i) => (i < split ? first.charCodeAt(i) : second.charCodeAt(i - split)), seed);
}

function hash(length: number, byteAt: (i: number) => number, seed: number): number {
  let h = seed >>> 0;
  let k = 0;
  for (let i = 0; i < length; i++) {
    k |= byteAt(i) << ((i & 3) * 8);
    if ((i & 3) === 3) {
      h ^= scramble(k);
      h = (h << 13) | (h >>> 19);
      h = (Math.imul(h, 5) + 0xe6546b64) | 0;
      k = 0;
    }
  }
  if (length & 3) h ^= scramble(k);
  h ^= length;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

function scramble(k: number): number {
  k = Math.imul(k, 0xcc9e2d51);
  k = (k << 15) | (k >>> 17);
  return Math.imul(k, 0x1b873593);
}
