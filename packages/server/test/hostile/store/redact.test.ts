import { describe, expect, it } from 'vitest';
import { redact } from '../../../src/store/postgres.js';

// pg takes the password in the query string too (libpq style); redact() only clears the userinfo one.
describe('attack: the password in a store URL', () => {
  it.each([
    'postgres://switchyard@db:5432/sy?password=hunter2',
    'postgres://switchyard@db:5432/sy?sslmode=require&password=hunter2',
    'postgres://switchyard:hunter2@db:5432/sy?sslpassword=hunter2',
  ])('%s is described without the secret', (url) => {
    expect(redact(url)).not.toContain('hunter2');
  });
});
