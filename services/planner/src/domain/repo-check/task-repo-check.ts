import type { TaskSpec } from '@autopilot/contracts';
import { indexRepoView } from './repo-check-index';
import type { RepoView } from './repo-view';
import { checkScope } from './scope-check';
import { checkValidation } from './validation-check';

/** The fields of a task as the rules made them, before any repository check. */
export type RulesFields = Pick<TaskSpec, 'scopePaths' | 'validationCommands'>;

const MAX_NOTES = 100;

/** A task as announced before, with the rules' fields its check started from (absent: the task's own). */
export interface AnnouncedTask {
  readonly task: TaskSpec;
  readonly rules?: RulesFields;
}

/**
 * The tasks of a plan checked against the project's scanned repository (issue 17 items 2 and 3):
 * scope paths the repository cannot hold are dropped, a task the blueprint gives no check gets the
 * toolchain's, and each change or doubt is a note in `repoCheck` (the CLI prints them). A pure
 * function of the rules' tasks, the view and the tasks announced before (by id).
 *
 * A task announced checked before keeps its checked scope, validation and notes while the rules give
 * it the same fields: a later scan (a new npm script, a new folder, as merging work brings) must not
 * change the work of a task already done, or the manager would run it again. Only a task never
 * checked, or whose rules' fields changed, is checked against `view`.
 * Checkpoint tasks (gates) have no work and are left as they are.
 */
export function checkTasksAgainstRepo(
  tasks: readonly TaskSpec[],
  view: RepoView,
  announced: ReadonlyMap<string, AnnouncedTask> = new Map(),
): TaskSpec[] {
  const index = indexRepoView(view);
  return tasks.map((task) => {
    if (task.gate === true) return task;
    const before = announced.get(task.id);
    if (before?.task.repoCheck !== undefined && sameRulesFields(rulesOfAnnounced(before), task))
      return keepCheck(task, before.task);
    const scope = checkScope(task.scopePaths, index);
    const validation = checkValidation(task.validationCommands, scope.kept, index);
    return {
      ...task,
      scopePaths: [...scope.kept],
      validationCommands: validation.commands.map((argv) => [...argv]),
      repoCheck: {
        commit: view.commit,
        notes: [...scope.notes, ...validation.notes].slice(0, MAX_NOTES).map((n) => ({ ...n })),
      },
    };
  });
}

/** The rules' task with the checked fields of the task announced before (same key order as a check). */
function keepCheck(task: TaskSpec, checked: TaskSpec): TaskSpec {
  return {
    ...task,
    scopePaths: [...checked.scopePaths],
    validationCommands: checked.validationCommands.map((argv) => [...argv]),
    repoCheck: {
      commit: checked.repoCheck!.commit,
      notes: checked.repoCheck!.notes.map((n) => ({ ...n })),
    },
  };
}

/** The rules' fields an announced task was checked from. */
function rulesOfAnnounced(announced: AnnouncedTask): RulesFields {
  return announced.rules ?? announced.task;
}

function sameRulesFields(a: RulesFields, b: RulesFields): boolean {
  return (
    JSON.stringify(a.scopePaths) === JSON.stringify(b.scopePaths) &&
    JSON.stringify(a.validationCommands) === JSON.stringify(b.validationCommands)
  );
}

/**
 * What a checked task's rules fields were, to keep beside it: undefined when the check changed
 * neither (the task's own fields are the rules').
 */
export function rulesFieldsOf(rules: TaskSpec, checked: TaskSpec): RulesFields | undefined {
  return sameRulesFields(rules, checked)
    ? undefined
    : { scopePaths: rules.scopePaths, validationCommands: rules.validationCommands };
}

/** A stored task as the rules made it: its checked fields replaced by the rules' ones, no check. */
export function asRulesMadeIt(task: TaskSpec, rules: RulesFields | undefined): TaskSpec {
  const { repoCheck: _checked, ...unchecked } = task;
  return rules === undefined ? unchecked : { ...unchecked, ...rules };
}
