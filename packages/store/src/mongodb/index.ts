/**
 * @autopilot/store/mongodb: the DocumentStore over the official mongodb driver (production). Only
 * composition roots and tests import it: importing it loads the driver.
 *
 *   const store = await connectMongoStore({ url: process.env.MONGO_URL!, database: 'autopilot_manager' });
 */
export { connectMongoStore, MongoDocumentStore, type MongoStoreOptions } from './mongo-document-store';
