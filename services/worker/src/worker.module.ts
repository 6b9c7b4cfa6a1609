import { Module } from '@nestjs/common';

/** The worker service's Nest module: its handlers and use cases are registered here. */
@Module({})
export class WorkerModule {}
