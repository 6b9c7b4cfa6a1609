/**
 * @autopilot/store: the DocumentStore port, its two adapters (embedded SQLite, MongoDB) and the
 * outbox/inbox helpers written once against the port. Services import the port and helpers; only
 * the runtime picks an adapter. Must not import app or service code.
 *
 *   const store = await openSqliteStore({ file: '.autopilot/manager.db' });
 *   await store.ensureCollection({ name: 'tasks', indexes: [{ fields: { status: 1 } }] });
 *   await commitWithOutbox(store, async (tx) => ({ result: await save(tx), events: [taskReady] }));
 */
export * from './document-store';
export * from './errors';
export * from './outbox';
export * from './inbox';
export {
  openSqliteStore,
  SqliteDocumentStore,
  type SqliteStoreOptions,
} from './embedded/sqlite-document-store';
export {
  connectMongoStore,
  MongoDocumentStore,
  type MongoStoreOptions,
} from './mongodb/mongo-document-store';
