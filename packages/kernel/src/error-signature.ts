const MAX_LENGTH = 200;

// Order matters: timestamps and ids go before bare numbers, or their digits would be eaten first.
const RULES: ReadonlyArray<[RegExp, string]> = [
  [/\b\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?/g, '<time>'],
  [/\b\d{1,2}:\d{2}:\d{2}(\.\d+)?\b/g, '<time>'],
  [/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi, '<id>'],
  [/\b[0-9A-HJKMNP-TV-Z]{26}\b/g, '<id>'],
  [/\b(0x)?[0-9a-f]*\d[0-9a-f]*[a-f][0-9a-f]*\b|\b(0x)?[0-9a-f]*[a-f][0-9a-f]*\d[0-9a-f]*\b/gi, '<hex>'],
  [/\d+(\.\d+)?/g, '#'],
];

// A path's machine-specific prefix: temp and home directories, worktree roots.
const VARIABLE_DIR =
  /^(?:[A-Za-z]:)?[\\/](?:.*[\\/])?(?:(?:tmp|temp|worktrees?)[\\/][^\\/\s]+|(?:home|Users)[\\/][^\\/\s]+|var[\\/]folders[\\/][^\\/\s]+[\\/][^\\/\s]+[\\/][^\\/\s]+)[\\/]/;

/**
 * A failure's signature: its failing step kind (as `step.recorded` names it) and its message with
 * what varies between two runs of the same mistake taken out (timestamps, ids, hex hashes, numbers,
 * the machine-specific part of paths, whitespace). Two runs failing for the same reason get the same
 * signature: the worker's doctor compares them within a run, the manager's loop guard across runs.
 */
export function errorSignature(message: string, stepKind = 'unknown'): string {
  let text = message
    .split(/\s+/)
    .map((word) => word.replace(VARIABLE_DIR, '…/'))
    .join(' ');
  for (const [pattern, replacement] of RULES) text = text.replace(pattern, replacement);
  text = text.replace(/\s+/g, ' ').trim();
  if (text.length > MAX_LENGTH) text = `${text.slice(0, MAX_LENGTH - 1)}…`;
  return `${stepKind}: ${text}`;
}
