/**
 * @autopilot/testing: what tests across the tree share: real-server launchers (nats-server, a
 * scripted OpenAI-compatible model server), a fake clock, a count of event-loop turns, a stub
 * worker's run reports, `eventually()` and `seededRandom()` for randomized tests that replay from
 * their seed. Never imported by production code.
 *
 *   await eventually(() => expect(seen).toEqual([1, 2]), { timeoutMs: 5000 });
 */
export * from './event-loop-turns';
export * from './eventually';
export * from './fake-clock';
export * from './nats-server';
export * from './planner-reports';
export * from './scripted-model-server';
export * from './seeded-random';
export * from './worker-reports';
