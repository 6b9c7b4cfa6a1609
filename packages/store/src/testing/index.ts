/**
 * @autopilot/store/testing: the DocumentStore conformance suite every adapter runs. Test code only.
 *
 *   documentStoreConformance('SqliteDocumentStore', () => openSqliteStore({ file: tmpFile() }));
 */
export * from './conformance';
