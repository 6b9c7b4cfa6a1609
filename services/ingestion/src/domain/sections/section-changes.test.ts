import { changedSectionIds, changedSinceParent } from './section-changes';
import { seededRandom } from '../../testing/edited-markdown';

type Hashed = { id: string; hash: string };

/** changedSectionIds of the parent's hashes by id: what changedSinceParent must give. */
const byMap = (parent: readonly Hashed[] | undefined, sections: readonly Hashed[]): string[] =>
  changedSectionIds(parent && new Map(parent.map((s) => [s.id, s.hash])), sections);

describe('changedSinceParent (changedSectionIds walking the parent in step)', () => {
  it('lists new sections and sections whose hash changed; all of them without a parent', () => {
    const sections = [
      { id: 'a', hash: '1' },
      { id: 'b', hash: '2' },
      { id: 'c', hash: '3' },
    ];
    const parent = [
      { id: 'a', hash: '1' },
      { id: 'b', hash: 'x' },
    ];
    expect(changedSinceParent(parent, sections)).toEqual(['b', 'c']);
    expect(changedSinceParent(undefined, sections)).toEqual(['a', 'b', 'c']);
  });

  it('equals changedSectionIds after each of 500 seeded random edits of a section list', () => {
    const random = seededRandom(31);
    let serial = 0;
    const fresh = (): Hashed => ({ id: `s${serial++}`, hash: `h${random(4)}` });
    let parent: Hashed[] = Array.from({ length: 30 }, fresh);
    for (let i = 0; i < 500; i++) {
      const next = parent.map((s) => ({ ...s }));
      for (let e = random(4); e >= 0; e--) {
        const at = random(next.length + 1);
        switch (random(5)) {
          case 0:
            next.splice(at, 0, ...Array.from({ length: 1 + random(3) }, fresh));
            break;
          case 1:
            next.splice(at, 1 + random(3));
            break;
          case 2:
            if (next[at]) next[at] = { ...next[at]!, hash: `h${random(4)}` };
            break;
          case 3: {
            // A run moved elsewhere (the same ids out of the parent's order).
            const moved = next.splice(at, 1 + random(4));
            next.splice(random(next.length + 1), 0, ...moved);
            break;
          }
          default:
            break;
        }
      }
      expect(changedSinceParent(parent, next)).toEqual(byMap(parent, next));
      parent = next;
    }
  });
});
