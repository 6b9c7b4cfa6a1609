import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteStore } from './embedded/sqlite-document-store';
import type { DocumentStore } from './document-store';
import { StoreRevisionConflictError } from './errors';
import { replaceRevisioned, type RevisionedDoc } from './revisioned';

describe('replaceRevisioned', () => {
  let dir: string;
  let store: DocumentStore;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ap-revisioned-'));
    store = await openSqliteStore({ file: join(dir, 'x.db') });
    await store.ensureCollection({ name: 'docs' });
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  type Note = RevisionedDoc & { text: string };

  it('compare-and-sets on the revision: new at 0, then each write at the revision it read', async () => {
    const docs = store.collection<Note>('docs');
    const first = await replaceRevisioned(docs, { _id: 'a', text: 'one' }, 0);
    expect(first.version).toBe(1);
    await expect(replaceRevisioned(docs, { _id: 'a', text: 'again' }, 0)).rejects.toBeInstanceOf(
      StoreRevisionConflictError,
    );
    expect((await replaceRevisioned(docs, { ...first, text: 'two' }, 1)).version).toBe(2);
    await expect(replaceRevisioned(docs, { ...first, text: 'stale' }, 1)).rejects.toBeInstanceOf(
      StoreRevisionConflictError,
    );
    expect(await docs.get('a')).toMatchObject({ text: 'two', version: 2 });
  });

  it('takes over a document an older version stored without a revision, once', async () => {
    const docs = store.collection<Note>('docs');
    await docs.upsert({ _id: 'old', text: 'before revisions' });
    expect(await replaceRevisioned(docs, { _id: 'old', text: 'now' }, 0)).toMatchObject({ version: 1 });
    expect(await docs.get('old')).toMatchObject({ text: 'now', version: 1 });
    // From then on it is guarded like any other.
    await expect(replaceRevisioned(docs, { _id: 'old', text: 'again' }, 0)).rejects.toBeInstanceOf(
      StoreRevisionConflictError,
    );
  });
});
