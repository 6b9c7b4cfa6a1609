import type { Collection, Doc, Filter } from './document-store';

/** Every document matching `filter`, page by page. */
export async function findAll<T extends Doc>(collection: Collection<T>, filter: Filter = {}): Promise<T[]> {
  const all: T[] = [];
  let after: string | undefined;
  do {
    const page = await collection.find(filter, { limit: 1000, ...(after !== undefined ? { after } : {}) });
    all.push(...page.items);
    after = page.next;
  } while (after !== undefined);
  return all;
}
