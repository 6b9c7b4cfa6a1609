import Ajv from 'ajv';
import type { TSchema } from '@sinclair/typebox';
import { ReplyWire } from './bus/reply-wire';
import { Envelope } from './envelope';
import { GapReportCreatedV1 } from './gap-report/gap-report-created.v1';
import { ManagerCreateProjectV1 } from './manager/manager-create-project.v1';
import { RunFinishedV1 } from './run/run-finished.v1';
import { StepRecordedV1 } from './step/step-recorded.v1';
import { TasksGeneratedV1 } from './tasks/tasks-generated.v1';
import { TaskUpdatedV1 } from './task/task-updated.v1';
import { sampleOf } from './test-support/sample-of';
import { formatIssues, validate } from './validate';
import { messages } from './registry';
import { WORKER_TOOLS_V1 } from './worker-tools/worker-tools.v1';

/** Path and rule of each issue: what a dead letter's reason must let a person find. */
const pathsAndRules = (issues: { path: string; rule: string }[]) =>
  issues.map(({ path, rule }) => ({ path, rule }));

// validate.ts compiles schemas without checking them against the meta-schema (it cost a re-plan
// ~0.05 s): this is where every schema it is given is checked, once.
describe('the schemas validate compiles', () => {
  const meta = new Ajv({ strict: false });
  const invalid = (named: readonly (readonly [string, TSchema])[]) =>
    named.filter(([, schema]) => !meta.validateSchema(schema)).map(([name]) => name);

  it('are valid JSON Schemas: every message, reply, envelope and tool', () => {
    const named: (readonly [string, TSchema])[] = [
      ['envelope', Envelope],
      ['reply wire', ReplyWire],
      ...messages.flatMap((m): (readonly [string, TSchema])[] => [
        [m.type, m.data],
        ...(m.reply ? [[`${m.type} reply`, m.reply] as const] : []),
      ]),
      ...WORKER_TOOLS_V1.map((t) => [`tool ${t.name}`, t.parameters] as const),
    ];
    expect(named.length).toBeGreaterThan(50);
    expect(invalid(named)).toEqual([]);
  });

  it('would name one that is not', () => {
    expect(invalid([['broken', { type: 'text' } as unknown as TSchema]])).toEqual(['broken']);
  });
});

describe('validate', () => {
  it('names a missing field and the rule `required`', () => {
    const { runId: _dropped, ...payload } = sampleOf(RunFinishedV1);
    expect(pathsAndRules(validate(RunFinishedV1, payload))).toEqual([{ path: '/runId', rule: 'required' }]);
  });

  it('names a wrong type and a broken minimum', () => {
    const payload = { ...sampleOf(RunFinishedV1), fencingToken: 'seven', costUsd: -0.01 };
    const issues = validate(RunFinishedV1, payload);
    expect(pathsAndRules(issues)).toEqual([
      { path: '/fencingToken', rule: 'type' },
      { path: '/costUsd', rule: 'minimum' },
    ]);
    expect(formatIssues(issues)).toBe('/fencingToken must be integer; /costUsd must be >= 0');
  });

  it('names a value outside a lifecycle, listing the allowed values', () => {
    const issues = validate(RunFinishedV1, { ...sampleOf(RunFinishedV1), outcome: 'done' });
    expect(pathsAndRules(issues)).toEqual([{ path: '/outcome', rule: 'enum' }]);
    expect(issues[0]?.detail).toBe('must be one of "succeeded", "failed", "cancelled", "rolled_back"');

    expect(pathsAndRules(validate(TaskUpdatedV1, { ...sampleOf(TaskUpdatedV1), status: 'paused' }))).toEqual([
      { path: '/status', rule: 'enum' },
    ]);
  });

  it('names a format version it does not read with the rule `const`', () => {
    const issues = validate(GapReportCreatedV1, { ...sampleOf(GapReportCreatedV1), formatVersion: 2 });
    expect(pathsAndRules(issues)).toEqual([{ path: '/formatVersion', rule: 'const' }]);
    expect(issues[0]?.message).toBe('/formatVersion must be 1');
  });

  it('points into arrays and nested objects', () => {
    const payload = sampleOf(TasksGeneratedV1);
    const tasks = payload['tasks'] as Record<string, unknown>[];
    tasks[1] = { ...tasks[1], kind: 'refactor', validationCommands: [[]] };
    expect(pathsAndRules(validate(TasksGeneratedV1, payload))).toEqual([
      { path: '/tasks/1/kind', rule: 'enum' },
      { path: '/tasks/1/validationCommands/0', rule: 'minItems' },
    ]);

    const step = { ...sampleOf(StepRecordedV1), kind: 'shell', tokens: { input: 10 } };
    expect(pathsAndRules(validate(StepRecordedV1, step))).toEqual([
      { path: '/kind', rule: 'enum' },
      { path: '/tokens/output', rule: 'required' },
    ]);
  });

  it('refuses credentials in a repository URL and a timestamp without a zone', () => {
    const payload = {
      ...sampleOf(ManagerCreateProjectV1),
      repo: { location: 'https://x-access-token:ghp_abc@github.com/example/shop.git', defaultBranch: 'main' },
    };
    expect(pathsAndRules(validate(ManagerCreateProjectV1, payload))).toEqual([
      { path: '/repo/location', rule: 'pattern' },
    ]);
    expect(
      pathsAndRules(validate(RunFinishedV1, { ...sampleOf(RunFinishedV1), finishedAt: '24/11/2026' })),
    ).toEqual([{ path: '/finishedAt', rule: 'format' }]);
  });

  it('reports every issue at once, and the root when the payload is not an object', () => {
    expect(validate(RunFinishedV1, {}).length).toBeGreaterThan(5);
    expect(pathsAndRules(validate(RunFinishedV1, 'finished'))).toEqual([{ path: '', rule: 'type' }]);
  });

  it('is a tolerant reader: an unknown property passes', () => {
    expect(validate(RunFinishedV1, { ...sampleOf(RunFinishedV1), addedInALaterRelease: true })).toEqual([]);
  });
});
