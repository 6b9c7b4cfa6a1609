import { validateSchema, type ValidationIssue } from '../validate';
import type { ToolDef } from './define-tool';

/** A tool call the model made, read: the tool and its checked arguments, or why it cannot run. */
export type ToolCallReading =
  | { readonly ok: true; readonly tool: ToolDef; readonly arguments: Record<string, unknown> }
  | { readonly ok: false; readonly error: string };

const MAX_ECHO = 200;

/** `/argv/0` → `argv[0]`: the way the model wrote it, not a JSON pointer. */
function argumentPath(pointer: string): string {
  return pointer
    .split('/')
    .slice(1)
    .map((token, i) => (/^\d+$/.test(token) ? `[${token}]` : `${i === 0 ? '' : '.'}${token}`))
    .join('');
}

function describeIssue(tool: ToolDef, issue: ValidationIssue): string {
  const where = argumentPath(issue.path);
  if (issue.rule === 'additionalProperties') return `"${where}" is not an argument of ${tool.name}`;
  return where === '' ? `the arguments ${issue.detail}` : `${where} ${issue.detail}`;
}

/**
 * Checks arguments against the tool's schema, unknown arguments refused. Returns one readable line
 * for the model (empty when valid): `invalid arguments for view_file: start_line must be >= 1`.
 */
export function checkToolArguments(tool: ToolDef, args: unknown): string {
  const issues = validateSchema(tool.parameters, args);
  if (issues.length === 0) return '';
  const allowed = Object.keys(tool.parameters.properties).join(', ');
  return `invalid arguments for ${tool.name}: ${issues.map((i) => describeIssue(tool, i)).join('; ')} (arguments: ${allowed})`;
}

/**
 * Reads one tool call as the model sent it: a tool name and its arguments as a JSON text. Unknown
 * tools, malformed JSON and arguments that break the schema come back as an error for the model,
 * never as a throw. An empty arguments text reads as `{}` (some servers send it for no arguments).
 */
export function readToolCall(tools: readonly ToolDef[], name: string, rawArguments: string): ToolCallReading {
  const tool = tools.find((t) => t.name === name);
  if (!tool) {
    return {
      ok: false,
      error: `unknown tool "${name.slice(0, MAX_ECHO)}"; the tools are: ${tools.map((t) => t.name).join(', ')}`,
    };
  }
  let args: unknown;
  try {
    args = rawArguments.trim() === '' ? {} : JSON.parse(rawArguments);
  } catch (err) {
    return {
      ok: false,
      error: `the arguments of ${tool.name} are not valid JSON (${(err as Error).message}); send one JSON object`,
    };
  }
  if (args === null || typeof args !== 'object' || Array.isArray(args)) {
    return {
      ok: false,
      error: `the arguments of ${tool.name} must be one JSON object, not ${describeJson(args)}`,
    };
  }
  const error = checkToolArguments(tool, args);
  return error ? { ok: false, error } : { ok: true, tool, arguments: args as Record<string, unknown> };
}

const describeJson = (value: unknown): string =>
  value === null ? 'null' : Array.isArray(value) ? 'an array' : `a ${typeof value}`;
