import type { IntentionAnchor, TaskSpec } from '@autopilot/contracts';
import type { ChatMessage, CountTokens } from './conversation';

/** The plan node the task implements: its heading path and the source passage it came from. */
export interface PlanExcerpt {
  readonly headingPath: readonly string[];
  readonly text: string;
}

/** A file that matters to the task, with its content as the worktree has it. */
export interface ContextFile {
  readonly path: string;
  readonly content: string;
}

export interface ContextInputs {
  readonly systemPrompt: string;
  readonly task: TaskSpec;
  readonly anchor?: IntentionAnchor;
  readonly planExcerpt?: PlanExcerpt;
  /** Most relevant first: the last ones are cut first. */
  readonly files: readonly ContextFile[];
  /** What earlier runs learned (the doctor's hints among them). */
  readonly hints: readonly string[];
  /** Notes the run adds (a resume's summary of what was done). */
  readonly notes?: readonly string[];
  readonly budgetTokens: number;
  readonly countTokens: CountTokens;
}

export interface BuiltContext {
  readonly messages: ChatMessage[];
  readonly tokens: number;
  /** What did not fit, in words (a file left out, a passage cut). */
  readonly leftOut: readonly string[];
}

/** Characters kept of a part cut to fit, at least. */
const MIN_PART = 200;

interface Part {
  readonly label: string;
  readonly text: string;
  /** May be cut to fit (else: kept whole or left out). */
  readonly cuttable: boolean;
}

function taskText(task: TaskSpec): string {
  const lines = [`# Task ${task.id}: ${task.title}`, `Kind: ${task.kind}`];
  if (task.description) lines.push('', task.description);
  if (task.deliverables && task.deliverables.length > 0)
    lines.push('', 'Deliverables:', ...task.deliverables.map((d) => `- ${d}`));
  if (task.scopePaths.length > 0)
    lines.push(
      '',
      `You may change only paths matching: ${task.scopePaths.join(', ')}. Everything else is read-only.`,
    );
  if (task.validationCommands.length > 0)
    lines.push(
      '',
      'These commands must pass before the task is done:',
      ...task.validationCommands.map((a) => `- ${a.join(' ')}`),
    );
  if (task.acceptanceCriteria && task.acceptanceCriteria.length > 0)
    lines.push('', 'Acceptance criteria:', ...task.acceptanceCriteria.map((c) => `- ${c}`));
  return lines.join('\n');
}

function anchorText(anchor: IntentionAnchor): string {
  const pivots = anchor.pivots.map((p) => `- ${p}`).join('\n');
  return `# Intention (what the whole project is for; stay true to it)\n${anchor.text}${pivots ? `\n${pivots}` : ''}`;
}

function cut(text: string, maxChars: number): string {
  return text.length <= maxChars ? text : `${text.slice(0, Math.max(0, maxChars - 20))}\n[… cut to fit]`;
}

/**
 * The opening of a run's conversation: the system prompt, then one user message holding the task,
 * the intention anchor, the plan node's source excerpt under its heading path, the files that
 * matter and the learned hints, in that order of importance, under `budgetTokens` (counted with the
 * model's tokenizer). The system prompt and the task are always kept whole; the rest is cut or left
 * out from the least important end, never the whole blueprint.
 */
export function buildContext(i: ContextInputs): BuiltContext {
  const count = i.countTokens;
  const system: ChatMessage = { role: 'system', content: i.systemPrompt };
  const fixed = [taskText(i.task)];
  const parts: Part[] = [];
  if (i.anchor) parts.push({ label: 'intention anchor', text: anchorText(i.anchor), cuttable: true });
  if (i.planExcerpt)
    parts.push({
      label: 'plan excerpt',
      text: `# From the plan: ${i.planExcerpt.headingPath.join(' > ')}\n${i.planExcerpt.text}`,
      cuttable: true,
    });
  for (const f of i.files)
    parts.push({
      label: `file ${f.path}`,
      text: `# File ${f.path}\n\`\`\`\n${f.content}\n\`\`\``,
      cuttable: true,
    });
  if (i.hints.length > 0)
    parts.push({
      label: 'hints',
      text: `# Learned from earlier attempts\n${i.hints.map((h) => `- ${h}`).join('\n')}`,
      cuttable: true,
    });
  for (const n of i.notes ?? []) parts.push({ label: 'note', text: n, cuttable: true });

  const framing = 8;
  let used = framing + count(i.systemPrompt) + count(fixed.join('\n\n'));
  const kept: string[] = [...fixed];
  const leftOut: string[] = [];
  for (const part of parts) {
    const cost = count(part.text) + 2;
    if (used + cost <= i.budgetTokens) {
      kept.push(part.text);
      used += cost;
      continue;
    }
    const room = i.budgetTokens - used - 2;
    if (part.cuttable && room > 0) {
      // Tokens per character vary by text; shrink by the measured ratio until it fits.
      let chars = Math.floor(part.text.length * (room / cost));
      let text = cut(part.text, chars);
      while (chars >= MIN_PART && count(text) > room) {
        chars = Math.floor(chars * 0.8);
        text = cut(part.text, chars);
      }
      if (chars >= MIN_PART) {
        kept.push(text);
        used += count(text) + 2;
        leftOut.push(`${part.label} (cut)`);
        continue;
      }
    }
    leftOut.push(part.label);
  }
  const user: ChatMessage = { role: 'user', content: kept.join('\n\n') };
  return { messages: [system, user], tokens: used, leftOut };
}

/** The system prompt of a worker run: the rules every model follows, whatever the task. */
export const WORKER_SYSTEM_PROMPT = [
  'You are a careful software engineer working in a git worktree of the project, through tools only.',
  'Paths are relative to the worktree root. Read before you edit: view_file, list_files, search.',
  'Edit with create_file, str_replace, insert or apply_patch; run checks with run_command (argv only, no shell).',
  "Stay inside the task's scope. Never touch .git, secrets or CI configuration.",
  'When the work is done and the checks pass, call finish with a summary and your confidence (0 to 1).',
  'finish is a claim: a quality gate runs the checks again and decides.',
].join('\n');
