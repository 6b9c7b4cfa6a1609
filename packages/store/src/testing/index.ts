/**
 * @autopilot/store/testing: the DocumentStore conformance suite every adapter runs. Test code only.
 *
 *   documentStoreConformance('SqliteDocumentStore', ({ clock }) => openSqliteStore({ file: tmpFile(), clock }));
 */
export * from './conformance';
