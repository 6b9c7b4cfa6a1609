import type { RecentBlueprintBlocks, RecentParse } from '../app/ports';

/**
 * RecentBlueprintBlocks in this process's memory: the last `capacity` blueprints parsed, the least
 * recently parsed dropped first. Each holds its text (8 MiB at most, a few hundred KB typically)
 * and its sections (a few MB for 20k sections).
 */
export class InMemoryRecentBlueprintBlocks implements RecentBlueprintBlocks {
  private readonly byBlueprint = new Map<string, RecentParse>();

  constructor(private readonly capacity = 4) {}

  get(blueprintId: string): RecentParse | undefined {
    return this.byBlueprint.get(blueprintId);
  }

  set(blueprintId: string, parse: RecentParse): void {
    this.byBlueprint.delete(blueprintId);
    this.byBlueprint.set(blueprintId, parse);
    for (const oldest of this.byBlueprint.keys()) {
      if (this.byBlueprint.size <= this.capacity) break;
      this.byBlueprint.delete(oldest);
    }
  }
}
