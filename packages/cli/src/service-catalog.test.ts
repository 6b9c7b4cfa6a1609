import { SERVICES } from '@autopilot/contracts';
import { INBOX_COLLECTION, OUTBOX_COLLECTION } from '@autopilot/store';
import { allServices, serviceCatalog } from './service-catalog';
import { defaultServicePorts } from './service-ports';

describe('service catalog', () => {
  it('has one definition per service, under its own name, in start order', () => {
    expect(Object.keys(serviceCatalog).sort()).toEqual([...SERVICES].sort());
    for (const name of SERVICES) expect(serviceCatalog[name].name).toBe(name);
    expect(allServices.map((s) => s.name)).toEqual([...SERVICES]);
  });

  it("leaves the runtime's outbox and inbox to the runtime, and names no collection twice", () => {
    for (const service of allServices) {
      const names = service.collections.map((c) => c.name);
      expect(names).not.toContain(OUTBOX_COLLECTION);
      expect(names).not.toContain(INBOX_COLLECTION);
      expect(new Set(names).size).toBe(names.length);
    }
  });

  it('gives every service its own default port', () => {
    expect(new Set(Object.values(defaultServicePorts)).size).toBe(SERVICES.length);
  });
});
