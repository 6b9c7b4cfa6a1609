import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { defineMessage } from '../define-message';
import { messages } from '../registry';
import { Type } from '@sinclair/typebox';
import { NATS_PERMISSIONS_FILE, renderNatsPermissions, servicePermissions } from './nats-permissions';

const contractsDir = resolve(__dirname, '..', '..');

describe('deploy/nats-permissions.conf', () => {
  it('matches what the contracts give each service, byte for byte', () => {
    const onDisk = readFileSync(join(contractsDir, NATS_PERMISSIONS_FILE), 'utf8');
    if (onDisk !== renderNatsPermissions(messages)) {
      throw new Error(`${NATS_PERMISSIONS_FILE} is stale: run \`npm run generate\` and commit the result`);
    }
  });

  const subjects = (grants: readonly { subject: string }[]): string[] => grants.map((g) => g.subject);

  it('lets a service publish only what it produces, and create consumers only for what it consumes', () => {
    const planner = servicePermissions('planner', messages);
    const published = subjects(planner.publish).filter((s) => s.startsWith('ap.v'));
    expect(published.sort()).toEqual(
      messages
        .filter((m) => m.producer === 'planner')
        .map((m) => m.subject)
        .sort(),
    );
    const consumers = subjects(planner.publish).filter((s) =>
      /^\$JS\.API\.CONSUMER\.CREATE\.AP_(EVENTS|WORK)\./.test(s),
    );
    expect(consumers.sort()).toEqual(
      messages
        .filter((m) => m.consumers.includes('planner'))
        .map((m) => `$JS.API.CONSUMER.CREATE.${m.kind === 'event' ? 'AP_EVENTS' : 'AP_WORK'}.*.${m.subject}`)
        .sort(),
    );
    // Its one command (announce_plan) is its only consumer on the work queue.
    expect(
      subjects(planner.publish).filter((s) => s.includes('AP_WORK.') && s.includes('CONSUMER.CREATE')),
    ).toEqual(['$JS.API.CONSUMER.CREATE.AP_WORK.*.ap.v1.cmd.planner.announce_plan']);
    expect(subjects(planner.subscribe)).toEqual(['_INBOX.planner.>']);
    expect(planner.allowResponses).toBe(false);
  });

  it('lets the service that answers a request subscribe to it and reply, and the asker publish it', () => {
    const ask = defineMessage({
      kind: 'request',
      name: 'probe',
      version: 1,
      service: 'governance',
      producer: 'worker',
      consumers: ['governance'],
      summary: 'A probe.',
      data: Type.Object({}),
      reply: Type.Object({}),
    });
    const governance = servicePermissions('governance', [ask]);
    expect(subjects(governance.subscribe)).toContain('ap.v1.req.governance.probe');
    expect(governance.allowResponses).toBe(true);
    expect(subjects(servicePermissions('worker', [ask]).publish)).toContain('ap.v1.req.governance.probe');
    expect(subjects(servicePermissions('manager', [ask]).publish)).not.toContain(
      'ap.v1.req.governance.probe',
    );
  });
});
