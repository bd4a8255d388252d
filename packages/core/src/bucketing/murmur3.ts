/**
 * MurmurHash3 x86_32 over the UTF-8 bytes of a JavaScript string, seed 0 by default.
 *
 * Encodes UTF-8 on the fly (no TextEncoder, no byte array) because this runs on every fractional
 * evaluation. Lone surrogates become U+FFFD, as TextEncoder and Go's JSON decoder do. Cross-checked in
 * tests against `murmurhash3js-revisited` over TextEncoder bytes.
 */
export function murmur3Utf8(text: string, seed = 0): number {
  return murmur3Utf8Concat(text, '', seed);
}

/**
 * The hash of `first + second` without building the concatenation (fractional's shorthand hashes
 * flagKey + targetingKey on every call; a concatenated string would be flattened and copied).
 * A surrogate pair split across the two parts is encoded as the pair, as in the concatenation.
 */
export function murmur3Utf8Concat(first: string, second: string, seed = 0): number {
  let h = seed >>> 0;
  let k = 0; // pending bytes, little-endian
  let shift = 0; // bits already in k
  let length = 0; // bytes hashed

  const firstLen = first.length;
  const len = firstLen + second.length;
  const at = (i: number) => (i < firstLen ? first.charCodeAt(i) : second.charCodeAt(i - firstLen));
  for (let i = 0; i < len; i++) {
    let code = at(i);
    if (code < 0x80) {
      // ASCII fast path: one byte, no packing.
      k |= code << shift;
      shift += 8;
      length++;
      if (shift === 32) {
        h = mixBlock(h, k);
        k = 0;
        shift = 0;
      }
      continue;
    }
    let bytes: number; // up to 4 bytes packed little-endian
    let count: number;
    if (code < 0x800) {
      bytes = (0xc0 | (code >> 6)) | ((0x80 | (code & 0x3f)) << 8);
      count = 2;
    } else {
      if (code >= 0xd800 && code <= 0xdfff) {
        const next = i + 1 < len ? at(i + 1) : 0;
        if (code <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
          code = 0x10000 + ((code - 0xd800) << 10) + (next - 0xdc00);
          i++;
        } else {
          code = 0xfffd; // lone surrogate
        }
      }
      if (code < 0x10000) {
        bytes = (0xe0 | (code >> 12)) | ((0x80 | ((code >> 6) & 0x3f)) << 8) | ((0x80 | (code & 0x3f)) << 16);
        count = 3;
      } else {
        bytes =
          (0xf0 | (code >> 18)) |
          ((0x80 | ((code >> 12) & 0x3f)) << 8) |
          ((0x80 | ((code >> 6) & 0x3f)) << 16) |
          ((0x80 | (code & 0x3f)) << 24);
        count = 4;
      }
    }
    for (let b = 0; b < count; b++) {
      k |= ((bytes >>> (b * 8)) & 0xff) << shift;
      shift += 8;
      if (shift === 32) {
        h = mixBlock(h, k);
        k = 0;
        shift = 0;
      }
    }
    length += count;
  }

  if (shift !== 0) {
    k = Math.imul(k, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, 0x1b873593);
    h ^= k;
  }

  h ^= length;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

function mixBlock(h: number, k: number): number {
  k = Math.imul(k, 0xcc9e2d51);
  k = (k << 15) | (k >>> 17);
  k = Math.imul(k, 0x1b873593);
  h ^= k;
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}
