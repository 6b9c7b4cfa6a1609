import type { TaskKind } from '@autopilot/contracts';

/**
 * Whether a task produces code, tests or docs, from its title and its files: a task whose every
 * file is documentation is docs, one whose every file is a test (or whose title says so) is test,
 * anything else is code. Code is the safe default: it gets the strictest validation.
 */

const DOCS_PATH =
  /(^|\/)(docs?|documentation)\/|\.(md|mdx|rst|adoc|txt)$|(^|\/)(README|CHANGELOG|CONTRIBUTING|LICENSE)[^/]*$/i;
const TEST_PATH =
  /(^|\/)(tests?|__tests__|spec|specs|e2e|fixtures)\/|[._-](test|spec)\.[a-z0-9]+$|(^|\/)test_[^/]+\.py$|_test\.go$/i;
const DOCS_TITLE =
  /^(document|write (the )?(docs|documentation|guide|readme)|docs?\b|update (the )?(docs|readme|changelog)|readme\b)|\bdocumentation\b/i;
const TEST_TITLE =
  /^(test|tests\b|add (unit |integration |e2e |end-to-end )?tests?|write (unit |integration |e2e )?tests?|cover\b|e2e\b|(unit|integration|end-to-end|regression|load) tests?\b)/i;

export function taskKindOf(title: string, paths: readonly string[]): TaskKind {
  const name = title.replace(/^\s*((task|step|story)\s*[\d.]*\s*[:.\-–—]?\s*)?/i, '').trim();
  if (paths.length > 0 && paths.every((p) => DOCS_PATH.test(p))) return 'docs';
  if (paths.length > 0 && paths.every((p) => TEST_PATH.test(p))) return 'test';
  if (DOCS_TITLE.test(name)) return 'docs';
  if (TEST_TITLE.test(name)) return 'test';
  return 'code';
}
