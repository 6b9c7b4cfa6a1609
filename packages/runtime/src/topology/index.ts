export * from './embedded';
export * from './service';
export * from './running-topology';
export * from './connect-with-retry';
export * from './stop-sequence';
