import { runBranchName } from './run-branch';

describe('runBranchName', () => {
  it('names the branch after the task title and the random end of the run id', () => {
    expect(
      runBranchName({ id: 't-1', title: 'Add the login page (OAuth)' }, '01JDP0ENVE10PE0000ABCD1234'),
    ).toBe('autopilot/add-the-login-page-oauth-abcd1234');
  });

  it('stays a valid, short ref for titles with accents, symbols, or nothing usable', () => {
    expect(runBranchName({ id: 't-2', title: 'Résumé ../ ~^:? *[x] @{y}' }, 'RUN00000000XYZW')).toBe(
      'autopilot/resume-x-y-0000xyzw',
    );
    expect(runBranchName({ id: 'T_3', title: '!!!' }, 'r-1')).toBe('autopilot/t-3-r1');
    const long = runBranchName({ id: 't', title: 'word '.repeat(50) }, '01JDP0ENVE10PE0000ABCD1234');
    expect(long.length).toBeLessThanOrEqual('autopilot/'.length + 40 + 9);
    expect(long).not.toMatch(/--|\.\.|[~^:?*[\\ ]/);
  });
});
