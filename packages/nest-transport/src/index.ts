/**
 * @autopilot/nest-transport: `BusServer`, a Nest custom transport over `MessageBus`, and the
 * `BusContext` its handlers receive. Imports no bus adapter and no driver; handlers import this.
 *
 *   const app = await NestFactory.createMicroservice(ManagerModule, { strategy: new BusServer(bus, { resolveDef }) });
 *   app.useGlobalFilters(new BusExceptionFilter()); // before listen(): keeps error codes for the bus
 *   await app.listen();
 */
export * from './bus-server';
export * from './bus-context';
export * from './bus-event-options';
export * from './bus-exception-filter';
export * from './errors';
