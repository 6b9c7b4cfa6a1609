import { ListedById } from './listed-by-id';

describe('ListedById', () => {
  const members = [{ id: 'b' }, { id: 'a' }, { id: 'c' }];
  const idOf = (m: { id: string }) => m.id;

  it('reads as the Map of the members by id would, in the list order', () => {
    const listed = new ListedById(members, idOf);
    const map = new Map(members.map((m) => [m.id, m]));
    expect([...listed]).toEqual([...map]);
    expect([...listed.values()]).toEqual([...map.values()]);
    expect([...listed.keys()]).toEqual([...map.keys()]);
    expect([...listed.entries()]).toEqual([...map.entries()]);
    expect(listed.size).toBe(map.size);
    const seen: string[] = [];
    listed.forEach((member, id, self) => {
      expect(self).toBe(listed);
      seen.push(`${id}:${member.id}`);
    });
    expect(seen).toEqual(['b:b', 'a:a', 'c:c']);
    expect(new Map(listed)).toEqual(map);
  });

  it('looks members up by id, the very objects', () => {
    const listed = new ListedById(members, idOf);
    expect(listed.get('a')).toBe(members[1]);
    expect(listed.get('z')).toBeUndefined();
    expect(listed.has('c')).toBe(true);
    expect(listed.has('z')).toBe(false);
  });
});
