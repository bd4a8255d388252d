import { afterEach, describe, expect, it } from 'vitest';
import { PollError, SyncEngine, type SyncSink } from '@switchyard/core';
import { ManualTimers } from '@switchyard/test-utils';
import { forgetOnRefusal } from '../src/storage.js';

// The stored copy and refusals, driven outcome by outcome through a real engine and status machine.
const doc = JSON.stringify({ flags: { a: { state: 'ENABLED', variants: { on: true }, defaultVariant: 'on' } } });
afterEach(() => localStorage.clear());

function engine() {
  const timers = new ManualTimers();
  let sink!: SyncSink;
  const engine = new SyncEngine({ description: 'test', start: (s) => void (sink = s), stop: () => undefined }, { timers, staleAfterMs: 10 });
  forgetOnRefusal(engine, 'copy', () => JSON.stringify(engine.store.snapshot?.document));
  engine.start();
  sink.payload(doc);
  localStorage.setItem('copy', doc);
  return { sink, timers };
}

describe('forgetOnRefusal', () => {
  it('forgets the copy on a refusal, and stores it again when the source answers (a 304)', () => {
    const { sink } = engine();
    sink.unreachable(new PollError('answered 401: invalid API key', undefined, true));
    expect(localStorage.getItem('copy')).toBeNull();
    sink.reachable();
    expect(JSON.parse(localStorage.getItem('copy')!)).toEqual(JSON.parse(doc));
  });

  it('a refusal heard while STALE (the server was down first) forgets it too', async () => {
    const { sink, timers } = engine();
    sink.unreachable(new PollError('cannot reach the server'));
    await timers.advance(10);
    expect(localStorage.getItem('copy')).toBe(doc); // down is not refused
    sink.unreachable(new PollError('answered 401: invalid API key', undefined, true));
    expect(localStorage.getItem('copy')).toBeNull();
    sink.reachable();
    expect(localStorage.getItem('copy')).not.toBeNull();
  });

  it('a failure that is no refusal stores nothing and forgets nothing', () => {
    const { sink } = engine();
    localStorage.setItem('copy', 'as it was');
    sink.unreachable(new PollError('answered 503'));
    sink.reachable();
    expect(localStorage.getItem('copy')).toBe('as it was');
  });
});
