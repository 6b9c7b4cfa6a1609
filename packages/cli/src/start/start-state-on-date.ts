import type { StartState } from './start-read-model';

/**
 * What `state` holds about one local day (`YYYY-MM-DD` in `timeZone`): the runs that finished that
 * day and their tasks, and the approvals asked that day. `autopilot report --date` prints it.
 */
export function startStateOnDate(state: StartState, date: string, timeZone: string): StartState {
  const day = (iso: string): string =>
    new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(
      new Date(iso),
    );
  const finished = new Map([...state.finished].filter(([, f]) => day(f.finishedAt) === date));
  return {
    ...state,
    finished,
    tasks: new Map([...state.tasks].filter(([id]) => finished.has(id))),
    approvals: new Map([...state.approvals].filter(([, a]) => day(a.requestedAt) === date)),
  };
}
