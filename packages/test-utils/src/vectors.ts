import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export interface FractionalCase {
  flagKey: string;
  targetingKey: string;
  bucketBy: 'explicit' | 'shorthand';
  buckets: [string, number][];
  hash: number;
  variant: string;
}

/** The published fractional v2 vectors, copied into the repository (vectors/fractional-v2.json). */
export const VECTORS_PATH = fileURLToPath(new URL('../vectors/fractional-v2.json', import.meta.url));

export function fractionalVectors(): FractionalCase[] {
  return JSON.parse(readFileSync(VECTORS_PATH, 'utf8')).cases;
}
