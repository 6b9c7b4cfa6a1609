import { planFromSections } from '../domain/plan/plan-from-sections';
import { MissingDependencyError } from '../domain/plan/plan-errors';
import { markdownBlueprint } from './markdown-blueprint';

/** The MissingDependencyError planning `markdown` throws; fails the test when it plans or throws another. */
export function missingDependencyError(markdown: string): MissingDependencyError {
  try {
    planFromSections(markdownBlueprint(markdown));
  } catch (err) {
    if (err instanceof MissingDependencyError) return err;
    throw err;
  }
  throw new Error('expected a MissingDependencyError');
}
