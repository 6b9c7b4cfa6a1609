import { Module } from '@nestjs/common';

/** The ingestion service's Nest module: its handlers and use cases are registered here. */
@Module({})
export class IngestionModule {}
