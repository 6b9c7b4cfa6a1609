export * from './http-routes';
export * from './http-server';
export * from './readiness';
