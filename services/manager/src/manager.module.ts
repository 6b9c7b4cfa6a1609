import { Module } from '@nestjs/common';

/** The manager service's Nest module: its handlers and use cases are registered here. */
@Module({})
export class ManagerModule {}
