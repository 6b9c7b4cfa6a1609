import { Module } from '@nestjs/common';

/** The gateway service's Nest module: its handlers and use cases are registered here. */
@Module({})
export class GatewayModule {}
