import { createHash } from 'node:crypto';
import type {
  Envelope,
  GovernanceEvaluateV1,
  GovernanceEvaluateV1Reply,
  MessageDef,
  PayloadOf,
} from '@autopilot/contracts';
import type {
  ChatMessage,
  CommandRequest,
  CommandResult,
  CommandRunner,
  GatheredContext,
  ModelCallOutcome,
  ModelCallRequest,
  ModelTool,
  PreparedToolCall,
  PreparedWrite,
  ProvisionRequest,
  RunContextSources,
  RunGovernance,
  RunJournal,
  RunJournalEntry,
  RunModel,
  RunReports,
  RunWorkspaces,
  ToolCall,
  ToolResult,
  WorkerLog,
  WorkerTools,
  Workspace,
  WorkspaceChanges,
  WriteUndo,
} from '../app/ports';
import { checkpointStepOf } from '../domain/run/run-steps';

/**
 * In-memory fakes of the worker's ports, for the run loop's tests. Worktrees are maps of path to
 * content; a `FakeRemote` holds the branches, so a run suspended on one "worker" resumes on
 * another sharing the remote. They keep the ports' promises, not the real adapters' mechanics.
 */

type Tree = Map<string, string>;

interface FakeCommit {
  readonly sha: string;
  readonly message: string;
  readonly tree: Tree;
}

const sha1 = (text: string): string => createHash('sha1').update(text).digest('hex');
const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

/** The repository every fake workspace clones from: a base tree and the run branches pushed to it. */
export class FakeRemote {
  readonly baseCommit: string;
  readonly branches = new Map<string, FakeCommit[]>();
  private commits = 0;

  constructor(readonly baseTree: Readonly<Record<string, string>>) {
    this.baseCommit = sha1(`base ${JSON.stringify(baseTree)}`);
  }

  newSha(message: string): string {
    this.commits++;
    return sha1(`${this.commits} ${message}`);
  }

  commitsOf(branch: string): readonly FakeCommit[] {
    return this.branches.get(branch) ?? [];
  }
}

/** Worktrees over a FakeRemote. */
export class FakeWorkspaces implements RunWorkspaces {
  readonly trees = new Map<string, Tree>();
  readonly released: string[] = [];
  readonly provisioned: ProvisionRequest[] = [];
  /** Set to make the next provision fail (an unreachable repository). */
  failProvision: Error | undefined;
  /** The install step every provisioned worktree reports it needs (none by default). */
  install: readonly string[] | undefined;

  constructor(
    readonly remote: FakeRemote,
    private readonly name = 'w1',
  ) {}

  async provision(request: ProvisionRequest): Promise<Workspace> {
    this.provisioned.push(request);
    if (this.failProvision) throw this.failProvision;
    const root = `/worktrees/${this.name}/${request.runId}`;
    const commits = this.remote.commitsOf(request.branch);
    const tip = commits[commits.length - 1];
    this.trees.set(root, new Map(tip ? tip.tree : Object.entries(this.remote.baseTree)));
    // Adopted: the tip, when it is this run's commit past the recorded checkpoint.
    const recorded = request.resumeFrom?.commit;
    const step = tip ? checkpointStepOf(tip.message, request.runId) : undefined;
    const ahead =
      tip && tip.sha !== recorded && step !== undefined ? { commit: tip.sha, step: String(step) } : undefined;
    return {
      root,
      branch: request.branch,
      baseCommit: this.remote.baseCommit,
      head: tip?.sha ?? this.remote.baseCommit,
      ...(ahead ? { adopted: ahead } : {}),
      notes: [],
      ...(this.install ? { install: this.install } : {}),
    };
  }

  tree(ws: Workspace | string): Tree {
    const root = typeof ws === 'string' ? ws : ws.root;
    const tree = this.trees.get(root);
    if (!tree) throw new Error(`no worktree at ${root}`);
    return tree;
  }

  async commit(ws: Workspace, { message }: { step: number; message: string }): Promise<string> {
    const sha = this.remote.newSha(message);
    const list = this.remote.branches.get(ws.branch) ?? [];
    list.push({ sha, message, tree: new Map(this.tree(ws)) });
    this.remote.branches.set(ws.branch, list);
    return sha;
  }

  async changes(ws: Workspace): Promise<WorkspaceChanges> {
    const tree = this.tree(ws);
    const base = new Map(Object.entries(this.remote.baseTree));
    const files: { path: string; insertions: number; deletions: number }[] = [];
    const patch: string[] = [];
    for (const path of [...new Set([...base.keys(), ...tree.keys()])].sort()) {
      const before = base.get(path);
      const after = tree.get(path);
      if (before === after) continue;
      const old = before === undefined ? [] : before.split('\n');
      const now = after === undefined ? [] : after.split('\n');
      const removed = old.filter((l) => !now.includes(l));
      const added = now.filter((l) => !old.includes(l));
      files.push({ path, insertions: added.length, deletions: removed.length });
      patch.push(
        `--- ${before === undefined ? '/dev/null' : `a/${path}`}`,
        `+++ ${after === undefined ? '/dev/null' : `b/${path}`}`,
        '@@',
        ...removed.map((l) => `-${l}`),
        ...added.map((l) => `+${l}`),
      );
    }
    return {
      stats: {
        filesChanged: files.length,
        insertions: files.reduce((n, f) => n + f.insertions, 0),
        deletions: files.reduce((n, f) => n + f.deletions, 0),
      },
      files,
      patch: patch.join('\n'),
    };
  }

  private snapshot(ws: Workspace, commit: string): Tree {
    if (commit === this.remote.baseCommit) return new Map(Object.entries(this.remote.baseTree));
    const found = this.remote.commitsOf(ws.branch).find((c) => c.sha === commit);
    if (!found) throw new Error(`commit ${commit} is not on ${ws.branch}`);
    return found.tree;
  }

  async restorePaths(ws: Workspace, paths: readonly string[], commit: string): Promise<void> {
    const from = this.snapshot(ws, commit);
    const tree = this.tree(ws);
    for (const p of paths) {
      const content = from.get(p);
      if (content === undefined) tree.delete(p);
      else tree.set(p, content);
    }
  }

  async rollback(ws: Workspace, commit: string, _step: number): Promise<void> {
    this.trees.set(ws.root, new Map(this.snapshot(ws, commit)));
  }

  async release(ws: Workspace): Promise<void> {
    this.released.push(ws.root);
  }
}

const TOOL_NAMES = [
  'view_file',
  'list_files',
  'search',
  'create_file',
  'str_replace',
  'insert',
  'apply_patch',
  'run_command',
  'finish',
];

/** The tools over FakeWorkspaces' trees: enough of each tool's behaviour for the loop. */
export class FakeTools implements WorkerTools {
  /** Every write applied, in order (a repeated side effect shows here). */
  readonly applied: { root: string; tool: string; paths: readonly string[] }[] = [];
  private readonly contents = new Map<string, { path: string; content: string | null }[]>();

  constructor(private readonly workspaces: FakeWorkspaces) {}

  definitions(): readonly ModelTool[] {
    return TOOL_NAMES.map((name) => ({
      name,
      description: `the ${name} tool`,
      parameters: { type: 'object' },
    }));
  }

  async prepare(root: string, call: ToolCall): Promise<PreparedToolCall> {
    let args: Record<string, unknown>;
    try {
      args = JSON.parse(call.arguments) as Record<string, unknown>;
    } catch (err) {
      return answer(false, `${call.name}: the arguments are not valid JSON (${(err as Error).message})`);
    }
    const tree = this.workspaces.tree(root);
    const path = typeof args.path === 'string' ? args.path : '';
    switch (call.name) {
      case 'view_file': {
        const content = tree.get(path);
        return content === undefined
          ? answer(false, `view_file: ${path} does not exist`)
          : answer(true, content);
      }
      case 'list_files':
        return answer(true, [...tree.keys()].sort().join('\n'));
      case 'create_file':
        if (tree.has(path)) return answer(false, `create_file: ${path} already exists`);
        return this.write('create_file', [{ path, before: null, after: String(args.content ?? '') }]);
      case 'str_replace': {
        const content = tree.get(path);
        if (content === undefined) return answer(false, `str_replace: ${path} does not exist`);
        const old = String(args.old_str ?? '');
        const times = old ? content.split(old).length - 1 : 0;
        if (times !== 1) return answer(false, `str_replace: old_str occurs ${times} times in ${path}`);
        return this.write('str_replace', [
          { path, before: content, after: content.replace(old, String(args.new_str ?? '')) },
        ]);
      }
      case 'apply_patch':
        return this.patch(tree, String(args.patch ?? ''));
      case 'run_command': {
        const argv = args.argv;
        if (!Array.isArray(argv) || argv.length === 0)
          return answer(false, 'run_command: argv must be a non-empty array');
        return { kind: 'command', argv: argv.map(String), cwd: '.' };
      }
      case 'finish':
        return {
          kind: 'finish',
          summary: String(args.summary ?? ''),
          confidence: Number(args.confidence ?? 0),
        };
      default:
        return answer(false, `unknown tool ${call.name}; the tools are ${TOOL_NAMES.join(', ')}`);
    }
  }

  async apply(root: string, write: PreparedWrite): Promise<{ result: ToolResult; undo?: WriteUndo }> {
    const changes = this.contents.get(write.diffSha256);
    if (!changes) return { result: { ok: false, message: 'the write was not prepared' } };
    const tree = this.workspaces.tree(root);
    const undo: WriteUndo = {
      files: changes.map((c) => ({ path: c.path, before: tree.get(c.path) ?? null })),
    };
    for (const c of changes) {
      if (c.content === null) tree.delete(c.path);
      else tree.set(c.path, c.content);
    }
    this.applied.push({ root, tool: write.tool, paths: write.paths });
    return { result: { ok: true, message: `${write.tool}: wrote ${write.paths.join(', ')}` }, undo };
  }

  /** A minimal unified diff: per file, its `-` lines replaced by its `+` lines. */
  private patch(tree: Tree, patch: string): PreparedToolCall {
    const files: { path: string; before: string | null; after: string }[] = [];
    for (const block of patch.split(/^--- /m).slice(1)) {
      const lines = block.split('\n');
      const target = /^\+\+\+ b\/(.+)$/m.exec(block)?.[1];
      if (!target) return answer(false, 'apply_patch: the patch names no target file');
      const removed = lines.filter((l) => l.startsWith('-')).map((l) => l.slice(1));
      const added = lines.filter((l) => l.startsWith('+') && !l.startsWith('+++ ')).map((l) => l.slice(1));
      const before = tree.get(target) ?? null;
      const old = removed.join('\n');
      if (before === null && removed.length > 0)
        return answer(false, `apply_patch: ${target} does not exist`);
      if (before !== null && removed.length > 0 && !before.includes(old))
        return answer(false, `apply_patch: the patch does not apply to ${target}`);
      const after =
        before === null
          ? added.join('\n')
          : removed.length > 0
            ? before.replace(old, added.join('\n'))
            : `${before}${added.join('\n')}`;
      files.push({ path: target, before, after });
    }
    if (files.length === 0) return answer(false, 'apply_patch: the patch changes no file');
    return this.write('apply_patch', files);
  }

  private write(
    tool: string,
    files: { path: string; before: string | null; after: string }[],
  ): PreparedWrite {
    const diff = files
      .map(
        (f) =>
          `--- a/${f.path}\n+++ b/${f.path}\n${(f.before ?? '')
            .split('\n')
            .map((l) => `-${l}`)
            .join('\n')}\n${f.after
            .split('\n')
            .map((l) => `+${l}`)
            .join('\n')}`,
      )
      .join('\n');
    const diffSha256 = sha256(diff);
    this.contents.set(
      diffSha256,
      files.map((f) => ({ path: f.path, content: f.after })),
    );
    return {
      kind: 'write',
      tool,
      paths: files.map((f) => f.path),
      diff,
      insertions: files.reduce((n, f) => n + f.after.split('\n').length, 0),
      deletions: files.reduce((n, f) => n + (f.before === null ? 0 : f.before.split('\n').length), 0),
      diffSha256,
      deletes: false,
    };
  }
}

function answer(ok: boolean, message: string): PreparedToolCall {
  return { kind: 'answer', result: { ok, message } };
}

/** Commands answered by a function of the argv and the worktree's files. */
export class FakeCommandRunner implements CommandRunner {
  readonly runs: CommandRequest[] = [];

  constructor(
    private readonly workspaces: FakeWorkspaces,
    private readonly behave: (
      argv: readonly string[],
      files: ReadonlyMap<string, string>,
    ) => Partial<CommandResult>,
  ) {}

  async run(request: CommandRequest): Promise<CommandResult> {
    this.runs.push(request);
    const r = this.behave(request.argv, this.workspaces.tree(request.worktree));
    return {
      exitCode: r.exitCode === undefined ? 0 : r.exitCode,
      signal: r.signal ?? null,
      timedOut: r.timedOut ?? false,
      stdout: r.stdout ?? '',
      stderr: r.stderr ?? '',
      truncated: false,
      durationMs: 5,
      isolation: 'bwrap',
    };
  }
}

/** One turn of a scripted model: what it answers, given the conversation so far. */
export type ScriptedTurn = ModelCallOutcome | ((messages: readonly ChatMessage[]) => ModelCallOutcome);

/** A model answering from a script, turn by turn; labelled scripted in every reply's model name. */
export class ScriptedModel implements RunModel {
  readonly requests: ModelCallRequest[] = [];
  private turn = 0;

  constructor(private readonly turns: ScriptedTurn[]) {}

  async complete(request: ModelCallRequest): Promise<ModelCallOutcome> {
    this.requests.push({ ...request, messages: [...request.messages] });
    const next = this.turns[this.turn++];
    if (next === undefined)
      return {
        kind: 'failed',
        code: 'SCRIPT_EXHAUSTED',
        message: 'the script has no more turns',
        costUsd: 0,
      };
    return typeof next === 'function' ? next(request.messages) : next;
  }

  countTokens(text: string): number {
    return Math.ceil(text.length / 4);
  }

  get calls(): number {
    return this.turn;
  }
}

let callIds = 0;

/** A scripted reply calling tools (arguments as objects, or raw text to send malformed JSON). */
export function reply(
  ...calls: { name: string; args: Record<string, unknown> | string }[]
): ModelCallOutcome {
  return {
    kind: 'reply',
    content: null,
    toolCalls: calls.map((c) => ({
      id: `call-${++callIds}`,
      name: c.name,
      arguments: typeof c.args === 'string' ? c.args : JSON.stringify(c.args),
    })),
    model: 'scripted-cheap',
    usage: { input: 100, output: 20 },
    costUsd: 0.01,
  };
}

/** Governance answering by a function; allow by default. */
export class FakeGovernance implements RunGovernance {
  readonly asked: GovernanceEvaluateV1[] = [];

  constructor(
    private readonly decide: (
      request: GovernanceEvaluateV1,
    ) => Partial<GovernanceEvaluateV1Reply> = () => ({}),
  ) {}

  async evaluate(request: GovernanceEvaluateV1): Promise<GovernanceEvaluateV1Reply> {
    this.asked.push(request);
    return { decision: 'allow', reasons: [], ruleIds: [], ...this.decide(request) };
  }
}

/** The reports a run sent, in order. */
export class RecordingReports implements RunReports {
  readonly sent: Envelope[] = [];
  /** The types of the reports that completed the handling of the command. */
  readonly completing: string[] = [];

  async send(events: readonly Envelope[], opts: { completesHandling?: boolean } = {}): Promise<void> {
    this.sent.push(...events);
    if (opts.completesHandling) this.completing.push(...events.map((e) => e.type));
  }

  /** The payloads of `def`'s messages, in order. */
  of<D extends MessageDef>(def: D): PayloadOf<D>[] {
    return this.sent.filter((e) => e.type === def.type).map((e) => e.data as PayloadOf<D>);
  }

  /** The message types in order (`run.started`, `step.recorded`, …). */
  types(): string[] {
    return this.sent.map((e) => e.type);
  }
}

/** Journal entries in memory (shared between fake workers like the remote). */
export class MemoryJournal implements RunJournal {
  readonly entries = new Map<string, RunJournalEntry>();

  async save(entry: RunJournalEntry): Promise<void> {
    this.entries.set(`${entry.runId} ${entry.checkpointCommit}`, structuredClone(entry));
  }

  async load(runId: string, checkpointCommit: string): Promise<RunJournalEntry | undefined> {
    const entry = this.entries.get(`${runId} ${checkpointCommit}`);
    return entry ? structuredClone(entry) : undefined;
  }
}

export class FixedContextSources implements RunContextSources {
  constructor(private readonly context: GatheredContext = { files: [], hints: [] }) {}

  async gather(): Promise<GatheredContext> {
    return this.context;
  }
}

export class MemoryLog implements WorkerLog {
  readonly lines: { level: 'info' | 'warn'; message: string; fields?: Record<string, unknown> }[] = [];

  info(message: string, fields?: Record<string, unknown>): void {
    this.lines.push({ level: 'info', message, ...(fields ? { fields } : {}) });
  }

  warn(message: string, fields?: Record<string, unknown>): void {
    this.lines.push({ level: 'warn', message, ...(fields ? { fields } : {}) });
  }
}
