import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeClock } from '@autopilot/testing';
import type { Doc, DocumentStore } from './document-store';
import { openSqliteStore } from './embedded/sqlite-document-store';
import { StoreUsageError } from './errors';
import {
  declareInbox,
  INBOX_COLLECTION,
  InboxAlreadyHandledError,
  isHandled,
  pruneInbox,
  recordHandled,
} from './inbox';

interface Counter extends Doc {
  n: number;
}

describe('recordHandled (the inbox record a repository commit writes)', () => {
  let dir: string;
  let store: DocumentStore;
  let clock: FakeClock;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ap-inbox-'));
    store = await openSqliteStore({ file: join(dir, 'x.db') });
    await declareInbox(store);
    await store.ensureCollection({ name: 'counters' });
    await store.collection<Counter>('counters').insert({ _id: 'c', n: 0 });
    clock = new FakeClock();
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** One handling's commit: the effect (a counter step) and the inbox record together. */
  const commit = (messageId: string, handling: string, opts: { failAfter?: boolean } = {}) =>
    store.transaction(async (tx) => {
      await recordHandled(tx, { consumer: 'planner-x', messageId, handling }, clock);
      await tx.collection<Counter>('counters').increment('c', 'n', 1);
      if (opts.failAfter) throw new Error('the handler failed after recording');
    });
  const counter = async () => (await store.collection<Counter>('counters').get('c'))?.n;

  it('commits the record with the effect, and isHandled then knows the message', async () => {
    expect(await isHandled(store, 'planner-x', 'm1')).toBe(false);
    await commit('m1', 'h1');
    expect(await isHandled(store, 'planner-x', 'm1')).toBe(true);
    expect(await isHandled(store, 'other-consumer', 'm1')).toBe(false);
    expect(await store.collection(INBOX_COLLECTION).get('planner-x:m1')).toEqual({
      _id: 'planner-x:m1',
      consumer: 'planner-x',
      messageId: 'm1',
      handledAt: clock.now(),
      handling: 'h1',
    });
  });

  it('records nothing when the transaction fails, so the next commit of the handling may record', async () => {
    await expect(commit('m1', 'h1', { failAfter: true })).rejects.toThrow('the handler failed');
    expect(await isHandled(store, 'planner-x', 'm1')).toBe(false);
    expect(await counter()).toBe(0);
    // A retry within the same handling (a revision conflict retried, a MongoDB transient error).
    await commit('m1', 'h1');
    expect(await counter()).toBe(1);
  });

  it('refuses another delivery of a handled message, rolling its effect back', async () => {
    await commit('m1', 'h1');
    const second = commit('m1', 'h2');
    await expect(second).rejects.toBeInstanceOf(InboxAlreadyHandledError);
    await expect(second).rejects.toMatchObject({
      code: 'STORE_ALREADY_HANDLED',
      consumer: 'planner-x',
      messageId: 'm1',
    });
    expect(await counter()).toBe(1);
  });

  it('calls a second committed record by the same handling a usage error', async () => {
    await commit('m1', 'h1');
    await expect(commit('m1', 'h1')).rejects.toBeInstanceOf(StoreUsageError);
    await expect(commit('m1', 'h1')).rejects.toThrow(/two commits of one handling/);
    expect(await counter()).toBe(1);
  });

  it('lets exactly one of concurrent deliveries commit', async () => {
    const outcomes = await Promise.allSettled([commit('m1', 'h1'), commit('m1', 'h2'), commit('m1', 'h3')]);
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    for (const o of outcomes) {
      if (o.status === 'rejected') expect(o.reason).toBeInstanceOf(InboxAlreadyHandledError);
    }
    expect(await counter()).toBe(1);
  });

  it('prunes records handled before a cut-off, and only those', async () => {
    await commit('old', 'h1');
    clock.advance(1000);
    await commit('new', 'h2');
    expect(await pruneInbox(store, clock.now() - 500)).toBe(1);
    expect(await isHandled(store, 'planner-x', 'old')).toBe(false);
    expect(await isHandled(store, 'planner-x', 'new')).toBe(true);
  });
});
