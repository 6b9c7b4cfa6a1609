import type { BlueprintIngestedV1 } from '@autopilot/contracts';
import type { RecentBlueprints } from '../app/ports';

/**
 * RecentBlueprints in memory: the last version of up to `capacity` blueprints, the least recently
 * handed one forgotten first. A 500k-word blueprint is ~9 MB of text and sections as JSON; a
 * project has one blueprint, seldom a few.
 */
export class InMemoryRecentBlueprints implements RecentBlueprints {
  private readonly byId = new Map<string, BlueprintIngestedV1>();

  constructor(private readonly capacity = 4) {}

  get(blueprintId: string): BlueprintIngestedV1 | undefined {
    return this.byId.get(blueprintId);
  }

  remember(blueprint: BlueprintIngestedV1): void {
    const held = this.byId.get(blueprint.blueprintId);
    // A version older than the one held is a late delivery: the newer one stays.
    if (held && held.version > blueprint.version) return;
    this.byId.delete(blueprint.blueprintId);
    this.byId.set(blueprint.blueprintId, blueprint);
    for (const id of this.byId.keys()) {
      if (this.byId.size <= this.capacity) break;
      this.byId.delete(id);
    }
  }
}
