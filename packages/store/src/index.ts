/**
 * @autopilot/store: the DocumentStore port and the outbox/inbox helpers written once against it.
 * Services import the port and helpers; the adapters have their own entry points
 * (`@autopilot/store/sqlite`, `@autopilot/store/mongodb`) that only the runtime and tests import, so
 * importing the port loads no driver. Must not import app or service code.
 *
 *   const store = await openSqliteStore({ file: '.autopilot/manager.db' }); // @autopilot/store/sqlite
 *   await store.ensureCollection({ name: 'tasks', indexes: [{ fields: { status: 1 } }] });
 *   await commitWithOutbox(store, async (tx) => ({ result: await save(tx), events: [taskReady] }));
 */
export * from './document-store';
export * from './errors';
export * from './outbox';
export * from './inbox';
export * from './revisioned';
export * from './find-all';
