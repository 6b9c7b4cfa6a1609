export * from './message-bus';
export * from './errors';
