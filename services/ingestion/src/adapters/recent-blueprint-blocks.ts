import type { RecentBlueprintBlocks } from '../app/ports';
import type { TextBlocks } from '../domain/sections/section-blocks';

/**
 * RecentBlueprintBlocks in this process's memory: the last `capacity` blueprints parsed, the least
 * recently parsed dropped first. Each holds its text (8 MiB at most, a few hundred KB typically).
 */
export class InMemoryRecentBlueprintBlocks implements RecentBlueprintBlocks {
  private readonly byBlueprint = new Map<string, TextBlocks>();

  constructor(private readonly capacity = 4) {}

  get(blueprintId: string): TextBlocks | undefined {
    return this.byBlueprint.get(blueprintId);
  }

  set(blueprintId: string, blocks: TextBlocks): void {
    this.byBlueprint.delete(blueprintId);
    this.byBlueprint.set(blueprintId, blocks);
    for (const oldest of this.byBlueprint.keys()) {
      if (this.byBlueprint.size <= this.capacity) break;
      this.byBlueprint.delete(oldest);
    }
  }
}
