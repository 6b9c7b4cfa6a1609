import { Type } from '@sinclair/typebox';
import { defineMessage } from './define-message';

const data = Type.Object({ n: Type.Integer() });

describe('defineMessage', () => {
  it('derives subject, envelope type and schema id for each kind', () => {
    const event = defineMessage({
      kind: 'event',
      aggregate: 'run',
      name: 'finished',
      version: 1,
      producer: 'worker',
      consumers: ['manager'],
      summary: 's',
      data,
    });
    expect([event.subject, event.type, event.owner, event.schemaId]).toEqual([
      'ap.v1.evt.run.finished',
      'run.finished.v1',
      'run',
      'https://autopilot.dev/schemas/ap.v1.evt.run.finished.json',
    ]);
    const command = defineMessage({
      kind: 'command',
      service: 'worker',
      name: 'execute_run',
      version: 2,
      producer: 'manager',
      consumers: ['worker'],
      summary: 's',
      data,
    });
    expect([command.subject, command.type]).toEqual([
      'ap.v2.cmd.worker.execute_run',
      'worker.execute_run.v2',
    ]);
    const request = defineMessage({
      kind: 'request',
      service: 'governance',
      name: 'evaluate',
      version: 1,
      producer: 'worker',
      consumers: ['governance'],
      summary: 's',
      data,
      reply: data,
    });
    expect([request.subject, request.reply]).toEqual(['ap.v1.req.governance.evaluate', data]);
  });

  it('refuses names that are not lower snake case and versions below 1', () => {
    const spec = {
      kind: 'event',
      aggregate: 'run',
      producer: 'worker',
      consumers: [],
      summary: 's',
      data,
    } as const;
    expect(() => defineMessage({ ...spec, name: 'Finished', version: 1 })).toThrow(TypeError);
    expect(() => defineMessage({ ...spec, name: 'run.finished', version: 1 })).toThrow(TypeError);
    expect(() => defineMessage({ ...spec, name: 'finished', version: 0 })).toThrow(TypeError);
  });
});
