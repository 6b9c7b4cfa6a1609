export * from './setting';
export * from './service-settings';
export * from './read-service-settings';
