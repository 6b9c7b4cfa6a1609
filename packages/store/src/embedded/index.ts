/**
 * @autopilot/store/sqlite: the embedded DocumentStore (SQLite through better-sqlite3, WAL). Only
 * composition roots (the runtime's topologies) and tests import it: importing it loads the driver.
 *
 *   const store = await openSqliteStore({ file: '.autopilot/manager.db' });
 */
export { openSqliteStore, SqliteDocumentStore, type SqliteStoreOptions } from './sqlite-document-store';
