import { existsSync } from 'node:fs';
import { afterAll, describe, expect, it } from '@jest/globals';
import { MongoClient, MongoServerError } from 'mongodb';
import { documentStoreConformance } from '../testing/conformance';
import { connectMongoStore } from './mongo-document-store';
import { isIdDuplicate, maskMongoUrl, translateMongoError, translateOperationError } from './mongo-errors';

const url = process.env['MONGO_URL'];

if (url) {
  // One database per run; each test uses fresh collection names inside it.
  const database = `autopilot_conformance_${Date.now().toString(36)}`;
  documentStoreConformance('MongoDocumentStore', ({ clock }) =>
    connectMongoStore({ url, database, clock, serverSelectionTimeoutMS: 5000 }),
  );
  afterAll(async () => {
    const client = new MongoClient(url, { serverSelectionTimeoutMS: 5000 });
    try {
      await client.db(database).dropDatabase();
    } finally {
      await client.close();
    }
  });
} else {
  // Says what was checked, not what is assumed: MONGO_URL, and whether a Docker engine could run a
  // MongoDB container (testcontainers is not a dependency yet; without an engine it could not help).
  const socket = process.env['DOCKER_HOST'] ?? '/var/run/docker.sock';
  const engine = existsSync(socket.replace(/^unix:\/\//, ''))
    ? `a Docker engine socket exists at ${socket}, but testcontainers is not installed in this repository`
    : `no Docker engine socket exists at ${socket}, so testcontainers could not start MongoDB either`;
  const reason = `MongoDB conformance suite SKIPPED: MONGO_URL is not set, and ${engine}`;
  process.stdout.write(`\n${reason}\n`);
  console.warn(reason);
  // Reported as skipped (not silently absent) so the run's summary shows what was not proven.
  describe.skip(`MongoDocumentStore honours DocumentStore (${reason})`, () => {
    it('needs a MongoDB replica set at MONGO_URL', () => undefined);
  });
}

describe('MongoDocumentStore without a server', () => {
  // 300 ms of server selection: were it ignored, the driver's default 30 s would outlast this test's
  // 10 s timeout. The bound is jest's watchdog, not a measured duration.
  it('fails fast with StoreUnavailableError naming the URL with its password masked', async () => {
    const error = await connectMongoStore({
      url: 'mongodb://user:secret@127.0.0.1:1/?directConnection=true',
      database: 'autopilot',
      serverSelectionTimeoutMS: 300,
    }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ code: 'STORE_UNAVAILABLE' });
    const message = (error as Error).message;
    expect(message).toContain('127.0.0.1:1');
    expect(message).toContain('user:***@');
    expect(message).not.toContain('secret');
    expect((error as { location: string }).location).not.toContain('secret');
  }, 10_000);

  it('tells an _id duplicate from a unique-index duplicate by keyPattern, never by message text', () => {
    const duplicate = (extra: Record<string, unknown>): MongoServerError =>
      new MongoServerError({
        code: 11000,
        errmsg: 'E11000 duplicate key error index: _id_ dup key',
        ...extra,
      });
    expect(isIdDuplicate(duplicate({ keyPattern: { _id: 1 } }))).toBe(true);
    expect(isIdDuplicate(duplicate({ keyPattern: { email: 1 } }))).toBe(false);
    // A message that says `_id_` is not evidence: without keyPattern the answer is no.
    expect(isIdDuplicate(duplicate({}))).toBe(false);
    expect(translateMongoError(duplicate({}), 'mongodb://h/db', 'users', 'u1')).toMatchObject({
      code: 'STORE_DUPLICATE_KEY',
    });
  });

  it('types errors raised outside the driver classes, with their cause', () => {
    const err = new TypeError('cannot serialize');
    const translated = translateOperationError(err, 'mongodb://a:pw@h/db', 'users', 'u1');
    expect(translated).toMatchObject({ code: 'STORE_USAGE' });
    expect((translated as Error).cause).toBe(err);
  });

  it('masks credentials in any MongoDB URL', () => {
    expect(maskMongoUrl('mongodb+srv://app:p%40ss@cluster.example.net/db')).toBe(
      'mongodb+srv://app:***@cluster.example.net/db',
    );
    expect(maskMongoUrl('mongodb://a:b@h1:27017,h2:27018/?replicaSet=rs')).toBe(
      'mongodb://a:***@h1:27017,h2:27018/?replicaSet=rs',
    );
    expect(maskMongoUrl('mongodb://localhost:27017')).toBe('mongodb://localhost:27017');
  });
});
