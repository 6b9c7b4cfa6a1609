export * from './logger';
export * from './nest-logger';
export * from './log-context';
export * from './bus-log';
