export * from './document-store';
export * from './errors';
