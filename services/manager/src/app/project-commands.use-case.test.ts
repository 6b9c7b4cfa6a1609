import { ProjectUpdatedV1, type Project } from '@autopilot/contracts';
import { createProjectCommand, openManagerFixture, type ManagerFixture } from '../testing/manager-fixture';

const ada = { kind: 'user', id: 'ada' } as const;

describe('ProjectCommandsUseCase (SQLite store)', () => {
  let f: ManagerFixture;
  beforeEach(async () => {
    f = await openManagerFixture();
  });
  afterEach(() => f.close());

  const announced = async (): Promise<Project[]> =>
    (await f.outbox()).filter((e) => e.type === ProjectUpdatedV1.type).map((e) => e.data as Project);

  it('creates a project once, announces it whole, and asks for a tick', async () => {
    const command = createProjectCommand('p1', {
      schedule: {
        timezone: 'Europe/Berlin',
        windows: [{ days: [1, 2, 3, 4, 5], start: '08:00', end: '18:00' }],
      },
    });
    await f.commands.create(command);
    // A resent create (same settings) changes and announces nothing.
    expect((await f.commands.create(command)).kind).toBe('unchanged');
    const projects = await announced();
    expect(projects).toHaveLength(1);
    expect(projects[0]).toMatchObject({ id: 'p1', paused: false, revision: 1, autonomyMode: 'full_auto' });
    expect(projects[0]).not.toHaveProperty('requestedBy');
    expect(f.tickRequests()).toBe(1);
    await expect(f.commands.create({ ...command, maxParallel: 9 })).rejects.toMatchObject({
      code: 'BUS_NON_RETRYABLE',
      message: expect.stringContaining('project p1 already exists with other settings'),
    });
  });

  it('pauses with a reason, resumes and changes autonomy, each a new revision; repeats are no-ops', async () => {
    await f.commands.create(createProjectCommand('p1'));
    await f.commands.pause({ projectId: 'p1', requestedBy: ada, reason: 'holiday' });
    expect((await f.commands.pause({ projectId: 'p1', requestedBy: ada })).kind).toBe('unchanged');
    expect((await f.projects.get('p1'))?.value.pauseReason).toBe('holiday (by user ada)');
    await f.commands.setAutonomy({ projectId: 'p1', mode: 'suggest', requestedBy: ada });
    expect((await f.projects.get('p1'))?.value.pauseReason).toBe('holiday (by user ada)');
    await f.commands.resume({ projectId: 'p1', requestedBy: ada });
    expect((await f.commands.resume({ projectId: 'p1', requestedBy: ada })).kind).toBe('unchanged');
    expect((await announced()).map((p) => [p.revision, p.paused, p.autonomyMode])).toEqual([
      [1, false, 'full_auto'],
      [2, true, 'full_auto'],
      [3, true, 'suggest'],
      [4, false, 'suggest'],
    ]);
    expect((await f.projects.get('p1'))?.value.pauseReason).toBeUndefined();
  });

  it('refuses bad input with an error naming what and where, storing nothing', async () => {
    await expect(f.commands.pause({ projectId: 'nope', requestedBy: ada })).rejects.toMatchObject({
      code: 'BUS_NON_RETRYABLE',
      projectId: 'nope',
      message:
        'manager.pause_project: project nope does not exist (create it with manager.create_project first)',
    });
    await expect(f.commands.resume({ projectId: 'nope', requestedBy: ada })).rejects.toThrow(
      /resume_project: project nope/,
    );
    await expect(
      f.commands.setAutonomy({ projectId: 'nope', mode: 'off', requestedBy: ada }),
    ).rejects.toThrow(/set_autonomy: project nope/);
    await expect(
      f.commands.create(createProjectCommand('p2', { schedule: { timezone: 'Mars/Olympus', windows: [] } })),
    ).rejects.toMatchObject({
      code: 'BUS_NON_RETRYABLE',
      message: expect.stringContaining(
        'project p2: schedule timezone "Mars/Olympus": is not an IANA time zone',
      ),
    });
    await expect(
      f.commands.create(
        createProjectCommand('p3', {
          schedule: { timezone: 'UTC', windows: [{ days: [1], start: '09:00', end: '09:00' }] },
        }),
      ),
    ).rejects.toThrow(/project p3: schedule window "09:00-09:00": start and end are equal/);
    await expect(
      f.commands.create(createProjectCommand('p4', { budgets: { runUsd: -1, dailyUsd: 1, weeklyUsd: 1 } })),
    ).rejects.toThrow('project p4: budgets.runUsd -1 is not an amount >= 0 USD');
    await expect(
      f.commands.create(
        createProjectCommand('p5', { budgets: { runUsd: 1, dailyUsd: Number.NaN, weeklyUsd: 1 } }),
      ),
    ).rejects.toThrow('project p5: budgets.dailyUsd NaN is not an amount >= 0 USD');
    expect(await f.projects.list()).toEqual([]);
    expect(await f.outbox()).toEqual([]);
  });
});
