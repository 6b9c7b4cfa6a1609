import type { Clock } from '@autopilot/kernel';
import type { CollectionSpec, Doc, DocumentStore } from '@autopilot/store';
import type { RefinementCache } from '../app/ports';
import type { Refinement } from '../domain/plan/plan-refinement';

/** The cache of the model's answers, declared by the service definition (index.ts). */
export const REFINEMENT_COLLECTIONS: readonly CollectionSpec[] = [{ name: 'plan_refinements' }];

interface RefinementDoc extends Doc {
  refinement: Refinement;
  model: string;
  cachedAt: number;
}

/** Most keys one query asks for (the store port's page cap). */
const PAGE = 1000;

/** RefinementCache over the DocumentStore port: one document per key. */
export class StoreRefinementCache implements RefinementCache {
  constructor(
    private readonly store: DocumentStore,
    private readonly clock: Clock,
  ) {}

  async cachedRefinements(keys: readonly string[]): Promise<Map<string, Refinement>> {
    const found = new Map<string, Refinement>();
    const cache = this.store.collection<RefinementDoc>('plan_refinements');
    for (let i = 0; i < keys.length; i += PAGE) {
      const page = await cache.find({ _id: { $in: keys.slice(i, i + PAGE) } }, { limit: PAGE });
      for (const doc of page.items) found.set(doc._id, doc.refinement);
    }
    return found;
  }

  async cacheRefinement(key: string, refinement: Refinement, model: string): Promise<void> {
    await this.store
      .collection<RefinementDoc>('plan_refinements')
      .upsert({ _id: key, refinement, model, cachedAt: this.clock.now() });
  }
}
