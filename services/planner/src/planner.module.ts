import { Module } from '@nestjs/common';

/** The planner service's Nest module: its handlers and use cases are registered here. */
@Module({})
export class PlannerModule {}
