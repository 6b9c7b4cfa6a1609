export * from './config';
export * from './mask';
export * from './config-summary';
export * from './nats-auth-config';
