/**
 * Members by id over the list a commit wrote, whose ids are unique: what `new Map(list by id)`
 * would be, without building it until a lookup needs it. Iterating reads the list, in its order, as
 * iterating that Map would. The repository keeps the plan it committed last so (~40k members for a
 * 500k-word blueprint), and a re-plan iterates its nodes (the stored facts) but looks none up.
 * The list is never mutated.
 */
export class ListedById<T> implements ReadonlyMap<string, T> {
  private byId: Map<string, T> | undefined;

  constructor(
    private readonly members: readonly T[],
    private readonly idOf: (member: T) => string,
  ) {}

  get size(): number {
    return this.members.length;
  }

  get(id: string): T | undefined {
    return this.index().get(id);
  }

  has(id: string): boolean {
    return this.index().has(id);
  }

  forEach(fn: (value: T, key: string, map: ReadonlyMap<string, T>) => void, thisArg?: unknown): void {
    for (const member of this.members) fn.call(thisArg, member, this.idOf(member), this);
  }

  values(): MapIterator<T> {
    return this.members.values();
  }

  keys(): MapIterator<string> {
    return this.members.map(this.idOf).values();
  }

  entries(): MapIterator<[string, T]> {
    return this.members.map((member): [string, T] => [this.idOf(member), member]).values();
  }

  [Symbol.iterator](): MapIterator<[string, T]> {
    return this.entries();
  }

  private index(): Map<string, T> {
    this.byId ??= new Map(this.members.map((member) => [this.idOf(member), member] as const));
    return this.byId;
  }
}
