import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RUNTIME_SETTING_NAMES } from '@autopilot/runtime';
import { allServices } from './service-catalog';

/**
 * The README's configuration table is the user's only list of settings: every variable the runtime
 * or a service declares must have its row, and every row must name something that is read.
 */
describe("the README's configuration table", () => {
  const readme = readFileSync(join(__dirname, '..', '..', '..', 'README.md'), 'utf8');
  const section = readme.slice(
    readme.indexOf('## Configuration'),
    readme.indexOf('\n## ', readme.indexOf('## Configuration') + 1),
  );
  const rows = [...section.matchAll(/^\|\s*`([A-Z][A-Z0-9_]*)`\s*\|/gm)].map((m) => m[1] as string);

  const declared = [
    ...RUNTIME_SETTING_NAMES,
    ...allServices.flatMap((s) => (s.settings?.settings ?? []).map((setting) => setting.env)),
  ];

  it('lists every declared setting', () => {
    expect(declared.filter((name) => !rows.includes(name))).toEqual([]);
  });

  it('lists nothing that is not declared', () => {
    expect(rows.filter((name) => !declared.includes(name))).toEqual([]);
  });
});
