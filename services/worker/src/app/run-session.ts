import {
  RunFinishedV1,
  RunSuspendedV1,
  StepRecordedV1,
  type BudgetScope,
  type DiffStats,
  type Failure,
  type GovernanceEvaluateV1Reply,
  type GovernedAction,
  type StepKind,
  type StepStatus,
  type TaskKind,
  type TokenUsage,
  type MessageDef,
  type PayloadOf,
  type RunFinishedV1 as RunFinishedV1Data,
  type WorkerExecuteRunV1,
} from '@autopilot/contracts';
import type { Clock } from '@autopilot/kernel';
import { describeError } from '@autopilot/kernel';
import type { OutboxEnvelopes } from '@autopilot/runtime';
import { buildContext, WORKER_SYSTEM_PROMPT } from '../domain/context/context-builder';
import { compactConversation, type ChatMessage, type ToolCall } from '../domain/context/conversation';
import { diagnose, FRESH_DOCTOR, type DoctorMemory, type FailureReport } from '../domain/doctor/doctor';
import { errorSignature } from '@autopilot/kernel';
import {
  decideGate,
  describeVerdict,
  gateChecks,
  reportedConfidence,
  type GateVerdict,
} from '../domain/gate/quality-gate';
import { testResultsOf } from '../domain/gate/test-results';
import { deterministicPlan, type DeterministicStep } from '../domain/run/deterministic-steps';
import {
  checkpointMessage,
  contractStepKind,
  resultCommitMessage,
  type ResumePoint,
  type WorkerStepKind,
} from '../domain/run/run-steps';
import type {
  CommandResult,
  CommandRunner,
  GatheredContext,
  JournalCommand,
  ModelRole,
  PreparedToolCall,
  PreparedWrite,
  RunContextSources,
  RunGovernance,
  RunJournal,
  RunJournalEntry,
  RunModel,
  RunReports,
  RunWorkspaces,
  WorkerLog,
  WorkerTools,
  Workspace,
  WorkspaceChanges,
} from './ports';
import type { WorkerSettings } from '../worker-settings';

/** Everything a run session drives. */
export interface RunSessionDeps {
  readonly workspaces: RunWorkspaces;
  readonly tools: WorkerTools;
  readonly model: RunModel;
  readonly governance: RunGovernance;
  readonly commands: CommandRunner;
  readonly reports: RunReports;
  readonly journal: RunJournal;
  readonly sources: RunContextSources;
  readonly envelopes: OutboxEnvelopes;
  readonly clock: Clock;
  readonly settings: WorkerSettings;
  readonly log: WorkerLog;
}

/** How handling one `worker.execute_run` ended. */
export type RunEnd =
  | { readonly kind: 'skipped'; readonly reason: string }
  | { readonly kind: 'finished'; readonly outcome: 'succeeded' | 'failed'; readonly failure?: Failure }
  | { readonly kind: 'suspended'; readonly reason: 'awaiting_approval' | 'awaiting_budget' }
  /** Graceful shutdown: checkpointed, no report; the lease lapses and the manager requeues the run. */
  | { readonly kind: 'handed_back'; readonly checkpoint: string | undefined };

/** The write tools: a refused call of one of them is an edit that did not apply. */
const WRITE_TOOLS = new Set(['create_file', 'str_replace', 'insert', 'apply_patch']);
/** Consecutive replies without a tool call before the doctor is asked. */
const MAX_SILENT_REPLIES = 3;
/** The same failing tool step in a row this often: the doctor is asked. */
const SAME_FAILURE_STREAK = 2;
const OUTPUT_TAIL_CHARS = 2_000;

const RISK_SCORE = { low: 0.2, medium: 0.4, high: 0.7 } as const;
const ZERO_DIFF: DiffStats = { filesChanged: 0, insertions: 0, deletions: 0 };

const ROLE_BY_KIND: Record<TaskKind, ModelRole> = {
  code: 'worker_code',
  test: 'worker_test',
  docs: 'worker_docs',
};

/** Text for a bounded contract field: never empty, cut with an ellipsis. */
function clip(text: string, max: number): string {
  const t = text.trim() || '-';
  return t.length > max ? `${t.slice(0, max - 1)}…` : t;
}

/** A command's output for the model: the end matters most (failures and summaries print last). */
function outputFor(result: CommandResult, maxChars: number): string {
  const head = `exit ${result.exitCode ?? `signal ${result.signal ?? 'unknown'}`}${result.timedOut ? ' (timed out)' : ''}${result.truncated ? ' (output truncated)' : ''}`;
  const body = [
    result.stdout && `--- stdout ---\n${result.stdout}`,
    result.stderr && `--- stderr ---\n${result.stderr}`,
  ]
    .filter(Boolean)
    .join('\n');
  if (body.length <= maxChars) return `${head}\n${body}`;
  const keepHead = Math.floor(maxChars / 4);
  return `${head}\n${body.slice(0, keepHead)}\n[… ${body.length - maxChars} characters left out …]\n${body.slice(body.length - (maxChars - keepHead))}`;
}

type Decision = GovernanceEvaluateV1Reply | { readonly decision: 'unreachable'; readonly message: string };

/** What one step the loop takes records (`step.recorded` without the run's fields). */
interface StepFields {
  readonly summary: string;
  readonly status: StepStatus;
  readonly startedAt: string;
  readonly startedMs: number;
  readonly costUsd?: number;
  readonly tokens?: TokenUsage;
  readonly model?: string;
  readonly argv?: readonly string[];
  readonly exitCode?: number | null;
  readonly paths?: readonly string[];
  readonly commit?: string;
}

/**
 * One run on one worker, from a provisioned worktree to its end (finished, suspended or handed
 * back). The agent loop: pending tool calls first (a resumed run's approved action, the rest of a
 * reply), then a model call; every write and command asks governance first; `finish` goes through
 * the quality gate; failures the model cannot shrug off go to the doctor. Every step is recorded
 * under the next number, which renews the run's lease with the manager.
 */
export class RunSession {
  private seq: number;
  private costUsd: number;
  private tokens: TokenUsage;
  private readonly priorDurationMs: number;
  private readonly sessionStartMs: number;
  private messages: ChatMessage[] = [];
  private pending: ToolCall[] = [];
  /** Doctor hints waiting for the next model call (a user message may not split a reply's tool results). */
  private hints: string[] = [];
  private doctor: DoctorMemory = FRESH_DOCTOR;
  private tier: 'cheap' | 'strong' = 'cheap';
  private lastEditSeq = 0;
  /** Paths a person approved writing (governance allowed them by an approval): the gate's protected-path check spares them. */
  private approvedPaths: string[] = [];
  /** The gate's last verdict: its checks and criteria go with the run's end, whatever it is. */
  private lastVerdict: GateVerdict | undefined;
  private commands: JournalCommand[] = [];
  private lastCheckpoint: string | undefined;
  private deterministicDone = 0;
  private failureStreak: { signature: string; count: number } | undefined;
  private silentReplies = 0;

  constructor(
    private readonly d: RunSessionDeps,
    private readonly command: WorkerExecuteRunV1,
    private readonly ws: Workspace,
    resume: ResumePoint,
    journal: RunJournalEntry | undefined,
    private readonly signal: AbortSignal,
    private readonly onStep: () => void,
  ) {
    this.seq = resume.lastStepSeq;
    this.lastCheckpoint = resume.checkpointCommit;
    this.sessionStartMs = d.clock.now();
    this.costUsd = journal?.totals.costUsd ?? 0;
    this.tokens = journal?.totals.tokens ?? { input: 0, output: 0 };
    this.priorDurationMs = journal?.totals.durationMs ?? 0;
    if (journal) {
      this.messages = [...journal.messages];
      this.pending = [...journal.pendingCalls];
      this.doctor = journal.doctor;
      this.tier = journal.tier;
      this.lastEditSeq = journal.lastEditSeq;
      this.approvedPaths = [...(journal.approvedPaths ?? [])];
      this.commands = [...journal.commands];
      this.deterministicDone = journal.deterministicDone ?? 0;
    }
  }

  /** Runs to the end: explicit steps without a model when the task has them, the agent loop otherwise. */
  async run(resumed: boolean): Promise<RunEnd> {
    const plan = deterministicPlan(this.command.task);
    if (plan.kind === 'invalid') return this.fail({ code: 'WORKER_INVALID_STEPS', message: plan.reason });
    const installed = await this.bootstrapInstall();
    if (installed) return installed;
    if (plan.kind === 'steps') return this.runDeterministic(plan.steps);
    if (this.messages.length === 0) await this.openConversation(resumed);
    return this.agentLoop();
  }

  // -------------------------------------------------------------------------------------------
  // The agent loop
  // -------------------------------------------------------------------------------------------

  private async agentLoop(): Promise<RunEnd> {
    for (;;) {
      while (this.pending.length > 0) {
        if (this.signal.aborted) return this.handBack();
        const end = await this.handleCall(this.pending[0] as ToolCall);
        if (end) return end;
        this.pending.shift();
      }
      if (this.signal.aborted) return this.handBack();
      if (this.seq >= this.d.settings.maxStepsPerRun) {
        return this.fail({
          code: 'WORKER_STEP_LIMIT',
          message: `the run took ${this.seq} steps, the most a run may take (${this.d.settings.maxStepsPerRun}), without passing the quality gate`,
        });
      }
      const end = await this.callModel();
      if (end) return end;
    }
  }

  private async openConversation(resumed: boolean): Promise<void> {
    const gathered = await this.d.sources
      .gather(this.command, this.ws)
      .catch((err: unknown): GatheredContext => {
        this.d.log.warn('worker: context sources failed; the run starts from the task alone', {
          runId: this.command.runId,
          error: describeError(err),
        });
        return { files: [], hints: [] };
      });
    const notes = resumed
      ? [
          `This run resumes from checkpoint ${this.lastCheckpoint ?? 'unknown'}: the worktree holds the work done so far. Look at it before going on.`,
        ]
      : [];
    const built = buildContext({
      systemPrompt: WORKER_SYSTEM_PROMPT,
      task: this.command.task,
      ...(this.command.anchor ? { anchor: this.command.anchor } : {}),
      ...(gathered.planExcerpt ? { planExcerpt: gathered.planExcerpt } : {}),
      files: gathered.files,
      hints: gathered.hints,
      notes,
      budgetTokens: Math.floor(this.d.settings.contextTokenBudget / 2),
      countTokens: (t) => this.d.model.countTokens(t),
    });
    this.messages = built.messages;
  }

  private async callModel(): Promise<RunEnd | undefined> {
    // The run's own cap, from the command: governance enforces it on every reservation too, but a
    // run already at its cap need not ask to learn the answer.
    if (this.costUsd >= this.command.budgetUsd) {
      return this.suspend('awaiting_budget', {
        why: `the run spent $${this.costUsd.toFixed(4)} of its $${this.command.budgetUsd} cap`,
        exceededScope: 'run',
      });
    }
    if (this.hints.length > 0) {
      this.messages.push({ role: 'user', content: this.hints.join('\n\n') });
      this.hints = [];
    }
    const count = (t: string): number => this.d.model.countTokens(t);
    this.messages = compactConversation(this.messages, this.d.settings.contextTokenBudget, count).messages;
    const seq = this.seq + 1;
    const startedMs = this.d.clock.now();
    const startedAt = this.d.clock.isoNow();
    const request = {
      role: ROLE_BY_KIND[this.command.task.kind],
      tier: this.tier,
      tools: this.d.tools.definitions(),
      maxTokens: this.d.settings.maxOutputTokens,
      projectId: this.command.projectId,
      runId: this.command.runId,
      taskId: this.command.taskId,
      stepSeq: seq,
      signal: this.signal,
    };
    let outcome = await this.d.model.complete({ ...request, messages: this.messages });
    if (outcome.kind === 'context_too_long') {
      // The client compacts too; halving our own budget once more is the last resort before the doctor.
      const budget = Math.floor(this.d.settings.contextTokenBudget / 2);
      this.messages = compactConversation(this.messages, budget, count, { keepRecent: 2 }).messages;
      outcome = await this.d.model.complete({ ...request, messages: this.messages });
    }
    switch (outcome.kind) {
      case 'reply': {
        this.spend(outcome.costUsd, outcome.usage);
        const calls = outcome.toolCalls;
        const said =
          calls.length > 0 ? calls.map((c) => c.name).join(', ') : clip(outcome.content ?? '(no text)', 200);
        await this.record('model_call', {
          summary: `${outcome.model} (${this.tier}): ${calls.length} tool call${calls.length === 1 ? '' : 's'}${calls.length > 0 ? ': ' : '; said: '}${said}`,
          status: 'succeeded',
          startedAt,
          startedMs,
          costUsd: outcome.costUsd,
          tokens: outcome.usage,
          model: outcome.model,
        });
        this.messages.push({
          role: 'assistant',
          content: outcome.content,
          ...(calls.length > 0 ? { toolCalls: calls } : {}),
        });
        if (calls.length > 0) {
          this.silentReplies = 0;
          this.pending = [...calls];
          return undefined;
        }
        this.silentReplies++;
        if (this.silentReplies >= MAX_SILENT_REPLIES) {
          this.silentReplies = 0;
          return this.consultDoctor({
            source: 'model',
            stepKind: 'llm_call',
            message: `the model answered ${MAX_SILENT_REPLIES} times without calling a tool`,
          });
        }
        this.messages.push({
          role: 'user',
          content: 'Continue with the tools. When the task is done and its checks pass, call finish.',
        });
        return undefined;
      }
      case 'budget_refused':
        return this.suspend('awaiting_budget', {
          why: `budget refused: ${outcome.reason}`,
          ...(outcome.scope ? { exceededScope: outcome.scope } : {}),
          requestedUsd: outcome.requestedUsd,
        });
      case 'context_too_long':
        await this.record('model_call', {
          summary: clip(`context too long: ${outcome.message}`, 2000),
          status: 'failed',
          startedAt,
          startedMs,
        });
        return this.consultDoctor({ source: 'model', stepKind: 'llm_call', message: outcome.message });
      case 'failed':
        this.spend(outcome.costUsd, undefined);
        if (this.signal.aborted) return this.handBack();
        await this.record('model_call', {
          summary: clip(`model call failed (${outcome.code}): ${outcome.message}`, 2000),
          status: 'failed',
          startedAt,
          startedMs,
          costUsd: outcome.costUsd,
          ...(outcome.model ? { model: outcome.model } : {}),
        });
        return this.consultDoctor({
          source: 'model',
          stepKind: 'llm_call',
          message: `${outcome.code}: ${outcome.message}`,
        });
      default:
        return assertNever(outcome);
    }
  }

  /** One tool call of the model: answered (pushed as a tool message) and undefined, or the run's end. */
  private async handleCall(call: ToolCall): Promise<RunEnd | undefined> {
    let prepared: PreparedToolCall;
    try {
      prepared = await this.d.tools.prepare(this.ws.root, call);
    } catch (err) {
      return this.infrastructure(`tool ${call.name} could not be prepared: ${describeError(err)}`);
    }
    switch (prepared.kind) {
      case 'answer':
        this.answer(call, prepared.result.message);
        if (!prepared.result.ok && WRITE_TOOLS.has(call.name)) {
          return this.noteFailure({
            source: 'tool',
            stepKind: 'edit',
            status: 'failed',
            message: prepared.result.message,
          });
        }
        return undefined;
      case 'write':
        return this.handleWrite(call, prepared);
      case 'command':
        return this.handleCommand(call, prepared);
      case 'finish':
        return this.handleFinish(call, prepared);
      default:
        return assertNever(prepared);
    }
  }

  private async handleWrite(call: ToolCall, write: PreparedWrite): Promise<RunEnd | undefined> {
    const decision = await this.evaluate(this.writeAction(write), write.realPaths);
    const startedMs = this.d.clock.now();
    const startedAt = this.d.clock.isoNow();
    switch (decision.decision) {
      case 'unreachable':
        return this.infrastructure(decision.message);
      case 'needs_approval':
        return this.suspend('awaiting_approval', {
          why: `${write.tool} ${write.paths.join(', ')} needs approval: ${decision.reasons.join('; ')}`,
          ...(decision.approvalId ? { approvalId: decision.approvalId } : {}),
        });
      case 'deny': {
        const message = denial(decision);
        await this.record('tool', {
          summary: clip(`${write.tool} denied: ${message}`, 2000),
          status: 'denied',
          startedAt,
          startedMs,
          paths: write.paths,
        });
        this.answer(call, message);
        return this.noteFailure({
          source: 'command',
          stepKind: 'edit',
          status: 'denied',
          message,
          paths: write.paths,
        });
      }
      case 'allow': {
        let applied: Awaited<ReturnType<WorkerTools['apply']>>;
        try {
          applied = await this.d.tools.apply(this.ws.root, write);
        } catch (err) {
          return this.infrastructure(`${write.tool} could not be applied: ${describeError(err)}`);
        }
        await this.record('tool', {
          summary: clip(
            `${write.tool} ${write.paths.join(', ')} (+${write.insertions} -${write.deletions})${applied.result.ok ? '' : `: ${applied.result.message}`}`,
            2000,
          ),
          status: applied.result.ok ? 'succeeded' : 'failed',
          startedAt,
          startedMs,
          paths: write.paths,
        });
        this.answer(call, applied.result.message);
        if (!applied.result.ok) {
          return this.noteFailure({
            source: 'tool',
            stepKind: 'edit',
            status: 'failed',
            message: applied.result.message,
            paths: write.paths,
          });
        }
        this.lastEditSeq = this.seq;
        this.failureStreak = undefined;
        if (decision.approvalId !== undefined) this.approve(write.paths);
        return undefined;
      }
      default:
        return assertNever(decision);
    }
  }

  private async handleCommand(
    call: ToolCall,
    cmd: Extract<PreparedToolCall, { kind: 'command' }>,
  ): Promise<RunEnd | undefined> {
    const ran = await this.governedCommand(cmd.argv, cmd.cwd, cmd.timeoutMs);
    switch (ran.kind) {
      case 'end':
        return ran.end;
      case 'denied':
        this.answer(call, ran.message);
        return this.noteFailure({
          source: 'command',
          stepKind: 'command',
          status: 'denied',
          message: ran.message,
        });
      case 'ran':
        this.answer(call, outputFor(ran.result, this.d.settings.toolOutputChars));
        if (ran.result.timedOut) {
          return this.noteFailure({
            source: 'command',
            stepKind: 'command',
            status: 'timed_out',
            message: `\`${cmd.argv.join(' ')}\` timed out`,
          });
        }
        this.failureStreak = undefined;
        return undefined;
      default:
        return assertNever(ran);
    }
  }

  private async handleFinish(
    call: ToolCall,
    claim: Extract<PreparedToolCall, { kind: 'finish' }>,
  ): Promise<RunEnd | undefined> {
    const gate = await this.runGate();
    if (gate.kind === 'end') return gate.end;
    if (gate.verdict.passed) return this.succeed(claim, gate.verdict, gate.changes);
    this.answer(
      call,
      `Not done yet: the quality gate decides, not finish.\n${describeVerdict(gate.verdict)}`,
    );
    // Calls after finish in the same reply are not run: the doctor's hint changes what comes next.
    for (const later of this.pending.slice(1))
      this.answer(later, 'Not run: finish came first in the same reply.');
    this.pending = [call];
    return this.consultDoctor({
      source: 'gate',
      stepKind: 'gate',
      message: gate.verdict.reasons.map((r) => r.message).join('; '),
      gate: gate.verdict,
    });
  }

  /**
   * The toolchain's install step of a fresh worktree (the workspace says which), under policy like
   * every command, network asked for as an install. Denied or failed, the run goes on and its tests
   * say what is missing; waiting for approval, the run suspends and installs again on resume.
   */
  private async bootstrapInstall(): Promise<RunEnd | undefined> {
    const argv = this.ws.install;
    if (!argv) return undefined;
    const ran = await this.governedCommand(argv, '.', undefined, true);
    if (ran.kind === 'end') return ran.end;
    if (ran.kind === 'denied' || ran.result.exitCode !== 0 || ran.result.timedOut) {
      this.d.log.warn('worker: the install step did not run or failed; the run goes on without it', {
        runId: this.command.runId,
        argv,
        ...(ran.kind === 'denied' ? { denied: ran.message } : { exitCode: ran.result.exitCode }),
      });
    }
    return undefined;
  }

  // -------------------------------------------------------------------------------------------
  // Explicit steps (no model)
  // -------------------------------------------------------------------------------------------

  private async runDeterministic(steps: readonly DeterministicStep[]): Promise<RunEnd> {
    for (let i = this.deterministicDone; i < steps.length; i++) {
      if (this.signal.aborted) return this.handBack();
      const step = steps[i] as DeterministicStep;
      if (step.kind === 'command') {
        const ran = await this.governedCommand(step.argv, '.', undefined);
        if (ran.kind === 'end') return ran.end;
        if (ran.kind === 'denied') return this.fail({ code: 'WORKER_COMMAND_DENIED', message: ran.message });
        if (ran.result.exitCode !== 0 || ran.result.timedOut) {
          return this.fail({
            code: 'WORKER_STEP_FAILED',
            message: clip(
              `explicit step ${i + 1} \`${step.argv.join(' ')}\` failed: ${outputFor(ran.result, 1500)}`,
              2000,
            ),
          });
        }
      } else {
        const call: ToolCall = {
          id: `explicit-${i + 1}`,
          name: 'apply_patch',
          arguments: JSON.stringify({ patch: step.patch }),
        };
        const end = await this.explicitPatch(i, call);
        if (end) return end;
      }
      this.deterministicDone = i + 1;
    }
    const gate = await this.runGate();
    if (gate.kind === 'end') return gate.end;
    if (!gate.verdict.passed) {
      return this.fail({ code: 'WORKER_GATE_FAILED', message: clip(describeVerdict(gate.verdict), 2000) });
    }
    return this.succeed(
      { summary: `Ran the task's ${steps.length} explicit steps.`, confidence: 1 },
      gate.verdict,
      gate.changes,
    );
  }

  private async explicitPatch(i: number, call: ToolCall): Promise<RunEnd | undefined> {
    let prepared: PreparedToolCall;
    try {
      prepared = await this.d.tools.prepare(this.ws.root, call);
    } catch (err) {
      return this.infrastructure(`explicit step ${i + 1} could not be prepared: ${describeError(err)}`);
    }
    if (prepared.kind !== 'write') {
      const why = prepared.kind === 'answer' ? prepared.result.message : `it is a ${prepared.kind}`;
      return this.fail({
        code: 'WORKER_PATCH_REJECTED',
        message: clip(`explicit step ${i + 1}: the patch does not apply: ${why}`, 2000),
      });
    }
    const decision = await this.evaluate(this.writeAction(prepared), prepared.realPaths);
    if (decision.decision === 'unreachable') return this.infrastructure(decision.message);
    if (decision.decision === 'needs_approval') {
      return this.suspend('awaiting_approval', {
        why: `explicit step ${i + 1} needs approval`,
        ...(decision.approvalId ? { approvalId: decision.approvalId } : {}),
      });
    }
    if (decision.decision === 'deny')
      return this.fail({ code: 'WORKER_COMMAND_DENIED', message: clip(denial(decision), 2000) });
    const startedMs = this.d.clock.now();
    const startedAt = this.d.clock.isoNow();
    const applied = await this.d.tools.apply(this.ws.root, prepared).catch((err: unknown) => ({
      result: { ok: false, message: describeError(err) },
    }));
    await this.record('tool', {
      summary: clip(
        `explicit patch ${prepared.paths.join(', ')}${applied.result.ok ? '' : `: ${applied.result.message}`}`,
        2000,
      ),
      status: applied.result.ok ? 'succeeded' : 'failed',
      startedAt,
      startedMs,
      paths: prepared.paths,
    });
    if (!applied.result.ok) {
      return this.fail({
        code: 'WORKER_PATCH_REJECTED',
        message: clip(`explicit step ${i + 1}: ${applied.result.message}`, 2000),
      });
    }
    this.lastEditSeq = this.seq;
    if (decision.approvalId !== undefined) this.approve(prepared.paths);
    return undefined;
  }

  /** `run.finished`'s view of a verdict: each check of the gate, each criterion with its evidence. */
  private verdictFields(v: GateVerdict): Pick<RunFinishedV1Data, 'gates' | 'criteria'> {
    return {
      gates: gateChecks(v),
      criteria: v.criteria.map((c) => ({
        criterion: clip(c.criterion, 2000),
        ...(c.checkedBy ? { checkedBy: [...c.checkedBy] } : {}),
      })),
    };
  }

  private approve(paths: readonly string[]): void {
    for (const p of paths) if (!this.approvedPaths.includes(p)) this.approvedPaths.push(p);
  }

  // -------------------------------------------------------------------------------------------
  // Gate, doctor
  // -------------------------------------------------------------------------------------------

  private async runGate(): Promise<
    | { readonly kind: 'verdict'; readonly verdict: GateVerdict; readonly changes: WorkspaceChanges }
    | { readonly kind: 'end'; readonly end: RunEnd }
  > {
    for (const argv of this.command.task.validationCommands) {
      if (this.passedSinceLastEdit(argv)) continue;
      const ran = await this.governedCommand(argv, '.', undefined);
      if (ran.kind === 'end') return ran;
    }
    let changes: WorkspaceChanges;
    try {
      changes = await this.d.workspaces.changes(this.ws);
    } catch (err) {
      return {
        kind: 'end',
        end: await this.infrastructure(`the worktree's changes could not be read: ${describeError(err)}`),
      };
    }
    const startedMs = this.d.clock.now();
    const startedAt = this.d.clock.isoNow();
    const verdict = (this.lastVerdict = decideGate({
      task: this.command.task,
      protectedPaths: this.d.settings.protectedPaths,
      approvedPaths: this.approvedPaths,
      changedFiles: changes.files,
      patch: changes.patch,
      commands: this.commands.map((c) => ({ ...c, afterLastEdit: c.seq > this.lastEditSeq })),
      limits: {
        maxFilesChanged: this.d.settings.maxFilesChanged,
        maxChangedLines: this.d.settings.maxChangedLines,
      },
    }));
    await this.record('gate', {
      summary: clip(describeVerdict(verdict), 2000),
      status: verdict.passed ? 'succeeded' : 'failed',
      startedAt,
      startedMs,
      paths: changes.files.map((f) => f.path),
    });
    return { kind: 'verdict', verdict, changes };
  }

  private passedSinceLastEdit(argv: readonly string[]): boolean {
    const last = [...this.commands]
      .reverse()
      .find((c) => c.argv.length === argv.length && c.argv.every((a, i) => a === argv[i]));
    return last !== undefined && last.seq > this.lastEditSeq && last.exitCode === 0 && !last.timedOut;
  }

  /** A failing tool step: back to the model, unless it is the same failure again (then the doctor). */
  private async noteFailure(report: FailureReport): Promise<RunEnd | undefined> {
    const signature = errorSignature(report.message, report.stepKind);
    const count = this.failureStreak?.signature === signature ? this.failureStreak.count + 1 : 1;
    this.failureStreak = { signature, count };
    if (count < SAME_FAILURE_STREAK) return undefined;
    this.failureStreak = undefined;
    return this.consultDoctor(report);
  }

  private async consultDoctor(report: FailureReport): Promise<RunEnd | undefined> {
    const diagnosis = diagnose(report, this.doctor, this.d.settings.maxDoctorCalls);
    this.doctor = diagnosis.memory;
    const startedMs = this.d.clock.now();
    const startedAt = this.d.clock.isoNow();
    const { action } = diagnosis;
    // Recorded as succeeded: the manager signs a failed run by its last failed step, which must
    // stay the step that failed, not the diagnosis.
    await this.record('doctor', {
      summary: clip(`doctor: ${diagnosis.failureClass} → ${action.action}; ${diagnosis.signature}`, 2000),
      status: 'succeeded',
      startedAt,
      startedMs,
    });
    switch (action.action) {
      case 'retry_with_hint':
        this.hints.push(action.hint);
        return undefined;
      case 'escalate_model':
        this.tier = 'strong';
        this.hints.push(action.hint);
        return undefined;
      case 'execute_fix': {
        // After a checkpoint, so the fix itself can be undone.
        const saved = await this.checkpoint('before the doctor restores files');
        if (saved.kind === 'unsaved')
          return this.fail({ code: 'WORKER_INFRASTRUCTURE', message: saved.message });
        try {
          await this.d.workspaces.restorePaths(this.ws, action.fix.paths, this.ws.baseCommit);
        } catch (err) {
          return this.infrastructure(`the doctor's fix failed: ${describeError(err)}`);
        }
        await this.record('tool', {
          summary: clip(`doctor restored ${action.fix.paths.join(', ')} from the base commit`, 2000),
          status: 'succeeded',
          startedAt: this.d.clock.isoNow(),
          startedMs: this.d.clock.now(),
          paths: action.fix.paths,
        });
        this.lastEditSeq = this.seq;
        this.hints.push(action.hint);
        return undefined;
      }
      case 'roll_back': {
        const to = this.lastCheckpoint ?? this.ws.baseCommit;
        try {
          await this.d.workspaces.rollback(this.ws, to, this.seq + 1);
        } catch (err) {
          return this.infrastructure(`rollback to ${to} failed: ${describeError(err)}`);
        }
        await this.record('tool', {
          summary: `doctor rolled the worktree back to ${to === this.ws.baseCommit ? 'the base commit' : `checkpoint ${to}`}`,
          status: 'succeeded',
          startedAt: this.d.clock.isoNow(),
          startedMs: this.d.clock.now(),
        });
        this.lastEditSeq = this.seq;
        this.hints.push(action.hint);
        return undefined;
      }
      case 'mark_failed':
        return this.fail(action.failure);
      default:
        return assertNever(action);
    }
  }

  private infrastructure(message: string): Promise<RunEnd> {
    return this.consultDoctor({ source: 'infrastructure', stepKind: 'command', message }).then(
      (end) => end ?? this.fail({ code: 'WORKER_INFRASTRUCTURE', message: clip(message, 2000) }),
    );
  }

  // -------------------------------------------------------------------------------------------
  // Governance and commands
  // -------------------------------------------------------------------------------------------

  private riskScore(): number {
    return RISK_SCORE[this.command.task.risk ?? 'medium'];
  }

  private writeAction(write: PreparedWrite): GovernedAction {
    return {
      kind: write.deletes ? 'file_delete' : 'file_write',
      riskScore: this.riskScore(),
      paths: write.paths.slice(0, 1000),
      summary: clip(
        `${write.tool} ${write.paths.join(', ')} (+${write.insertions} -${write.deletions})`,
        2000,
      ),
      diff: { insertions: write.insertions, deletions: write.deletions, sha256: write.diffSha256 },
    };
  }

  private async evaluate(
    action: GovernedAction,
    realPaths?: readonly { readonly path: string; readonly realPath: string }[],
  ): Promise<Decision> {
    try {
      return await this.d.governance.evaluate({
        projectId: this.command.projectId,
        runId: this.command.runId,
        taskId: this.command.taskId,
        stepSeq: this.seq + 1,
        action,
        ...(this.command.anchor ? { motivation: { anchorId: this.command.anchor.id } } : {}),
        worktree: { root: this.ws.root, branch: this.ws.branch },
        ...(realPaths && realPaths.length > 0 ? { realPaths: realPaths.slice(0, 1000) } : {}),
      });
    } catch (err) {
      return { decision: 'unreachable', message: `governance could not be asked: ${describeError(err)}` };
    }
  }

  /** A command through governance and the sandbox, recorded as a step. */
  private async governedCommand(
    argv: readonly string[],
    cwd: string,
    timeoutMs: number | undefined,
    /** The toolchain's install step: network is asked for it (policy decides). */
    install = false,
  ): Promise<
    | { readonly kind: 'ran'; readonly result: CommandResult }
    | { readonly kind: 'denied'; readonly message: string }
    | { readonly kind: 'end'; readonly end: RunEnd }
  > {
    const shown = argv.join(' ');
    const decision = await this.evaluate({
      kind: 'command',
      riskScore: this.riskScore(),
      paths: [],
      argv: [...argv],
      cwd,
      ...(install ? { network: { purpose: 'install' as const } } : {}),
      summary: clip(`${install ? 'install dependencies: ' : 'run '}\`${shown}\``, 2000),
    });
    const startedMs = this.d.clock.now();
    const startedAt = this.d.clock.isoNow();
    switch (decision.decision) {
      case 'unreachable':
        return { kind: 'end', end: await this.infrastructure(decision.message) };
      case 'needs_approval':
        return {
          kind: 'end',
          end: await this.suspend('awaiting_approval', {
            why: `\`${shown}\` needs approval: ${decision.reasons.join('; ')}`,
            ...(decision.approvalId ? { approvalId: decision.approvalId } : {}),
          }),
        };
      case 'deny': {
        const message = denial(decision);
        await this.record('command', {
          summary: clip(`\`${shown}\` denied: ${message}`, 2000),
          status: 'denied',
          startedAt,
          startedMs,
          argv,
        });
        return { kind: 'denied', message };
      }
      case 'allow':
        break;
      default:
        return assertNever(decision);
    }
    let result: CommandResult;
    try {
      result = await this.d.commands.run({
        argv,
        cwd: cwd === '.' || cwd === '' ? this.ws.root : `${this.ws.root}/${cwd.replace(/^\.\//, '')}`,
        worktree: this.ws.root,
        timeoutMs: Math.min(timeoutMs ?? this.d.settings.commandTimeoutMs, this.d.settings.commandTimeoutMs),
        // Governance allowed it: network only for an install step it allowed as one.
        network: install,
        outputCapBytes: this.d.settings.commandOutputCapBytes,
      });
    } catch (err) {
      return {
        kind: 'end',
        end: await this.infrastructure(`\`${shown}\` could not be started: ${describeError(err)}`),
      };
    }
    await this.record('command', {
      summary: clip(
        `\`${shown}\` exited ${result.exitCode ?? result.signal ?? 'by a signal'}${result.isolation === 'none' ? ` (no sandbox: ${result.isolationNote ?? 'bwrap unavailable'})` : ''}`,
        2000,
      ),
      status: result.timedOut ? 'timed_out' : result.exitCode === 0 ? 'succeeded' : 'failed',
      startedAt,
      startedMs,
      argv,
      exitCode: result.exitCode,
    });
    const output = `${result.stdout}\n${result.stderr}`;
    this.commands.push({
      seq: this.seq,
      argv: [...argv],
      exitCode: result.exitCode,
      timedOut: result.timedOut,
      outputTail: output.slice(-OUTPUT_TAIL_CHARS),
    });
    return { kind: 'ran', result };
  }

  // -------------------------------------------------------------------------------------------
  // Ends: succeed, fail, suspend, hand back
  // -------------------------------------------------------------------------------------------

  private async succeed(
    claim: { readonly summary: string; readonly confidence: number },
    verdict: GateVerdict,
    changes: WorkspaceChanges,
  ): Promise<RunEnd> {
    const seq = this.seq + 1;
    const startedMs = this.d.clock.now();
    const startedAt = this.d.clock.isoNow();
    let commit: string;
    try {
      commit = await this.d.workspaces.commit(this.ws, {
        step: seq,
        message: resultCommitMessage({
          taskId: this.command.taskId,
          title: this.command.task.title,
          runId: this.command.runId,
          seq,
          summary: claim.summary,
        }),
      });
    } catch (err) {
      return this.infrastructure(`the result could not be committed: ${describeError(err)}`);
    }
    await this.record('checkpoint', {
      summary: `result committed: ${commit}`,
      status: 'succeeded',
      startedAt,
      startedMs,
      commit,
    });
    await this.report(RunFinishedV1, {
      ...this.runFields(),
      outcome: 'succeeded',
      branch: this.ws.branch,
      headCommit: commit,
      costUsd: this.costUsd,
      tokens: this.tokens,
      diff: changes.stats,
      tests: this.testResults(),
      durationMs: this.durationMs(),
      steps: this.seq,
      confidence: reportedConfidence(claim.confidence, verdict.criteria),
      summary: clip(`${claim.summary}\n\n${describeVerdict(verdict)}`, 4000),
      ...this.verdictFields(verdict),
      finishedAt: this.d.clock.isoNow(),
    });
    await this.release();
    return { kind: 'finished', outcome: 'succeeded' };
  }

  /** The run failed: its work stays on its branch (a checkpoint commit) for inspection. */
  private async fail(failure: Failure): Promise<RunEnd> {
    const saved = await this.checkpoint(`failed: ${failure.code}`);
    const changes = await this.d.workspaces.changes(this.ws).catch(() => undefined);
    await this.report(RunFinishedV1, {
      ...this.runFields(),
      outcome: 'failed',
      branch: this.ws.branch,
      ...(saved.kind === 'saved' ? { headCommit: saved.commit } : {}),
      costUsd: this.costUsd,
      tokens: this.tokens,
      diff: changes?.stats ?? ZERO_DIFF,
      tests: this.testResults(),
      durationMs: this.durationMs(),
      steps: this.seq,
      confidence: 0,
      ...(this.lastVerdict ? this.verdictFields(this.lastVerdict) : {}),
      failure: { code: failure.code, message: clip(failure.message, 2000) },
      finishedAt: this.d.clock.isoNow(),
    });
    await this.release();
    return { kind: 'finished', outcome: 'failed', failure };
  }

  private async suspend(
    reason: 'awaiting_approval' | 'awaiting_budget',
    extra: { why: string; approvalId?: string; exceededScope?: BudgetScope; requestedUsd?: number },
  ): Promise<RunEnd> {
    const saved = await this.checkpoint(extra.why);
    if (saved.kind === 'unsaved') return this.fail({ code: 'WORKER_INFRASTRUCTURE', message: saved.message });
    // Freed before it is announced: the decision it waits for may come at once, and the resumed
    // run (on this worker or another) must not find this session still holding the worktree.
    await this.release();
    await this.report(RunSuspendedV1, {
      ...this.runFields(),
      reason,
      ...(extra.approvalId !== undefined ? { approvalId: extra.approvalId } : {}),
      checkpoint: { commit: saved.commit, lastStepSeq: this.seq },
      costUsd: this.costUsd,
      ...(extra.exceededScope !== undefined ? { exceededScope: extra.exceededScope } : {}),
      ...(extra.requestedUsd !== undefined ? { requestedUsd: extra.requestedUsd } : {}),
      suspendedAt: this.d.clock.isoNow(),
    });
    return { kind: 'suspended', reason };
  }

  /**
   * Graceful shutdown: the current step is done; checkpoint and journal, then stop without a
   * report. The checkpoint is committed but not recorded as a step, so the lease is not renewed:
   * it lapses, the manager requeues the run under a new fencing token, and the worker that takes
   * it adopts the checkpoint from the branch (its trailers carry the step number).
   */
  private async handBack(): Promise<RunEnd> {
    const saved = await this.checkpoint('the worker is shutting down', { record: false });
    await this.release();
    return { kind: 'handed_back', checkpoint: saved.kind === 'saved' ? saved.commit : undefined };
  }

  /** A checkpoint commit (recorded as a step unless told otherwise) and the journal entry under it. */
  private async checkpoint(
    why: string,
    opts: { record: boolean } = { record: true },
  ): Promise<
    | { readonly kind: 'saved'; readonly commit: string }
    | { readonly kind: 'unsaved'; readonly message: string }
  > {
    const seq = opts.record ? this.seq + 1 : this.seq;
    const startedMs = this.d.clock.now();
    const startedAt = this.d.clock.isoNow();
    let commit: string;
    try {
      commit = await this.d.workspaces.commit(this.ws, {
        step: seq,
        message: checkpointMessage({ taskId: this.command.taskId, runId: this.command.runId, seq, why }),
      });
    } catch (err) {
      return { kind: 'unsaved', message: clip(`checkpoint failed: ${describeError(err)}`, 2000) };
    }
    if (opts.record) {
      await this.record('checkpoint', {
        summary: clip(`checkpoint ${commit}: ${why}`, 2000),
        status: 'succeeded',
        startedAt,
        startedMs,
        commit,
      });
    }
    this.lastCheckpoint = commit;
    await this.d.journal
      .save({
        runId: this.command.runId,
        checkpointCommit: commit,
        lastStepSeq: this.seq,
        messages: this.messages,
        pendingCalls: this.pending,
        totals: { costUsd: this.costUsd, tokens: this.tokens, durationMs: this.durationMs() },
        doctor: this.doctor,
        tier: this.tier,
        lastEditSeq: this.lastEditSeq,
        approvedPaths: this.approvedPaths,
        commands: this.commands.slice(-50),
        deterministicDone: this.deterministicDone,
      })
      .catch((err: unknown) =>
        this.d.log.warn(
          'worker: the run journal could not be saved; a resume rebuilds its context from the task',
          {
            runId: this.command.runId,
            commit,
            error: describeError(err),
          },
        ),
      );
    return { kind: 'saved', commit };
  }

  private async release(): Promise<void> {
    await this.d.workspaces.release(this.ws).catch((err: unknown) =>
      this.d.log.warn('worker: worktree not released (kept; its branch holds the run)', {
        runId: this.command.runId,
        error: describeError(err),
      }),
    );
  }

  // -------------------------------------------------------------------------------------------
  // Reports
  // -------------------------------------------------------------------------------------------

  private runFields(): { runId: string; taskId: string; projectId: string; fencingToken: number } {
    // Every report carries the lease's fencing token: the manager refuses a stale one.
    return {
      runId: this.command.runId,
      taskId: this.command.taskId,
      projectId: this.command.projectId,
      fencingToken: this.command.fencingToken,
    };
  }

  private async record(kind: WorkerStepKind, f: StepFields): Promise<void> {
    this.seq += 1;
    const stepKind: StepKind = contractStepKind(kind);
    await this.report(StepRecordedV1, {
      ...this.runFields(),
      seq: this.seq,
      kind: stepKind,
      summary: clip(f.summary, 2000),
      status: f.status,
      costUsd: f.costUsd ?? 0,
      ...(f.tokens ? { tokens: f.tokens } : {}),
      durationMs: Math.max(0, this.d.clock.now() - f.startedMs),
      ...(f.model ? { model: f.model.slice(0, 128) } : {}),
      ...(f.argv ? { argv: f.argv.slice(0, 256).map((a) => a.slice(0, 4096)) } : {}),
      ...(f.exitCode !== undefined && f.exitCode !== null ? { exitCode: f.exitCode } : {}),
      ...(f.paths && f.paths.length > 0
        ? { paths: f.paths.slice(0, 1000).map((p) => p.slice(0, 1024)) }
        : {}),
      ...(f.commit ? { commit: f.commit } : {}),
      startedAt: f.startedAt,
    });
    this.onStep();
  }

  private async report<D extends MessageDef>(def: D, data: PayloadOf<D>): Promise<void> {
    const last = def.type !== StepRecordedV1.type;
    await this.d.reports.send([this.d.envelopes.build(def, data, { correlationId: this.command.runId })], {
      completesHandling: last,
    });
  }

  private answer(call: ToolCall, content: string): void {
    this.messages.push({ role: 'tool', toolCallId: call.id, content });
  }

  private spend(costUsd: number, usage: TokenUsage | undefined): void {
    this.costUsd += costUsd;
    if (usage)
      this.tokens = { input: this.tokens.input + usage.input, output: this.tokens.output + usage.output };
  }

  private durationMs(): number {
    return this.priorDurationMs + Math.max(0, this.d.clock.now() - this.sessionStartMs);
  }

  /** The validation commands' last runs after the last edit, counted. */
  private testResults(): ReturnType<typeof testResultsOf> {
    const last = this.command.task.validationCommands
      .map((argv) =>
        [...this.commands]
          .reverse()
          .find(
            (c) =>
              c.seq > this.lastEditSeq &&
              c.argv.length === argv.length &&
              c.argv.every((a, i) => a === argv[i]),
          ),
      )
      .filter((c): c is JournalCommand => c !== undefined);
    return testResultsOf(
      last.map((c) => ({ argv: c.argv, exitCode: c.timedOut ? null : c.exitCode, output: c.outputTail })),
    );
  }
}

function denial(d: GovernanceEvaluateV1Reply): string {
  const rules = d.ruleIds.length > 0 ? ` (${d.ruleIds.join(', ')})` : '';
  return `Denied by policy${rules}: ${d.reasons.join('; ') || 'no reason given'}`;
}

function assertNever(value: never): never {
  throw new Error(`unexpected value ${JSON.stringify(value)}`);
}
