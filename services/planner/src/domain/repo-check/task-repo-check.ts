import type { TaskSpec } from '@autopilot/contracts';
import { indexRepoView } from './repo-check-index';
import type { RepoView } from './repo-view';
import { checkScope } from './scope-check';
import { checkValidation } from './validation-check';

/** The fields of a task as the rules made them, before any repository check. */
export type RulesFields = Pick<TaskSpec, 'scopePaths' | 'validationCommands'>;

const MAX_NOTES = 100;

/**
 * The tasks of a plan checked against the project's scanned repository (issue 17 items 2 and 3):
 * scope paths the repository cannot hold are dropped, a task the blueprint gives no check gets the
 * toolchain's, and each change or doubt is a note in `repoCheck` (the CLI prints them). A pure
 * function of the rules' tasks and the view: checking again against the same view gives the same
 * tasks, and against a new scan starts from the rules' fields again (see `rulesFieldsOf`).
 * Checkpoint tasks (gates) have no work and are left as they are.
 */
export function checkTasksAgainstRepo(tasks: readonly TaskSpec[], view: RepoView): TaskSpec[] {
  const index = indexRepoView(view);
  return tasks.map((task) => {
    if (task.gate === true) return task;
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

/**
 * What a checked task's rules fields were, to keep beside it: undefined when the check changed
 * neither (the task's own fields are the rules').
 */
export function rulesFieldsOf(rules: TaskSpec, checked: TaskSpec): RulesFields | undefined {
  const same =
    JSON.stringify(rules.scopePaths) === JSON.stringify(checked.scopePaths) &&
    JSON.stringify(rules.validationCommands) === JSON.stringify(checked.validationCommands);
  return same ? undefined : { scopePaths: rules.scopePaths, validationCommands: rules.validationCommands };
}

/** A stored task as the rules made it: its checked fields replaced by the rules' ones, no check. */
export function asRulesMadeIt(task: TaskSpec, rules: RulesFields | undefined): TaskSpec {
  const { repoCheck: _checked, ...unchecked } = task;
  return rules === undefined ? unchecked : { ...unchecked, ...rules };
}
