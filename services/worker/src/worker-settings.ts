import { ConfigError } from '@autopilot/kernel';
import {
  MODEL_ROLES,
  parsePriceTable,
  type ModelRoutingConfig,
  type PriceTableConfig,
} from '@autopilot/model-client';
import { defineSettings, setting } from '@autopilot/runtime';

/** What the worker's run loop runs on. */
export interface WorkerSettings {
  /** Steps one run may take (across its resumes) before it fails. */
  readonly maxStepsPerRun: number;
  /** Doctor diagnoses per run before the run fails. */
  readonly maxDoctorCalls: number;
  /** Tokens the conversation sent with each model call may hold. */
  readonly contextTokenBudget: number;
  /** The most output tokens a model call may produce (max_tokens). */
  readonly maxOutputTokens: number;
  /** Default time limit of a command (ms); the model may ask for less. */
  readonly commandTimeoutMs: number;
  /** Bytes kept of a command's stdout and of its stderr. */
  readonly commandOutputCapBytes: number;
  /** Characters of a command's output the model reads back. */
  readonly toolOutputChars: number;
  /** How often a long run tells the bus it is alive (ms); well under the consumer's ack wait. */
  readonly heartbeatMs: number;
  /** Quality gate: files one run may change. */
  readonly maxFilesChanged: number;
  /** Quality gate: lines (added + removed) one run may change. */
  readonly maxChangedLines: number;
  /** Paths a run never changes without a person (globs), on top of governance's own rules. */
  readonly protectedPaths: readonly string[];
  /** This replica's name in `run.started`; unset: host and process id. */
  readonly workerId: string | undefined;
  /** The models and their provider; undefined: no model configured (model calls fail, saying so). */
  readonly model: WorkerModelSettings | undefined;
  /** USD per million tokens per model (shared with governance): a call's cost. */
  readonly priceTable: PriceTableConfig;
  /** Where this replica keeps its mirrors and worktrees; unset: a directory of its own under the OS temp dir. */
  readonly cacheDir: string | undefined;
  /** `auto`: bubblewrap where it runs (else stated in each run's record); `off`: never. */
  readonly sandbox: 'auto' | 'off';
  /** Files copied from the project's checkout into every worktree (never committed), e.g. `.env`. */
  readonly bootstrapFiles: readonly string[];
}

/** The worker's models: which one each role uses (cheap first, strong after), and where they are served. */
export interface WorkerModelSettings {
  readonly routing: ModelRoutingConfig;
  readonly baseURL: string | undefined;
  /** Never logged, never in an error. */
  readonly apiKey: string | undefined;
  readonly timeoutMs: number;
}

export const DEFAULT_PROTECTED_PATHS: readonly string[] = [
  '.git/**',
  '.github/workflows/**',
  '.gitlab-ci.yml',
  '**/.env',
  '**/.env.*',
  '**/*.pem',
  '**/*.key',
  '**/id_rsa*',
];

export const DEFAULT_WORKER_SETTINGS: WorkerSettings = {
  maxStepsPerRun: 80,
  maxDoctorCalls: 4,
  contextTokenBudget: 12_000,
  maxOutputTokens: 4_096,
  commandTimeoutMs: 5 * 60_000,
  commandOutputCapBytes: 256 * 1024,
  toolOutputChars: 8_000,
  heartbeatMs: 10_000,
  maxFilesChanged: 40,
  maxChangedLines: 2_000,
  protectedPaths: DEFAULT_PROTECTED_PATHS,
  workerId: undefined,
  model: undefined,
  priceTable: {},
  cacheDir: undefined,
  sandbox: 'auto',
  bootstrapFiles: [],
};

const d = DEFAULT_WORKER_SETTINGS;

/** The worker's settings, read and validated by the runtime at start. */
export const workerSettings = defineSettings(
  {
    maxStepsPerRun: setting.wholeNumber({
      env: 'AUTOPILOT_WORKER_MAX_STEPS',
      description: 'steps one run may take, across its resumes, before it fails',
      fallback: d.maxStepsPerRun,
      min: 1,
      max: 10_000,
    }),
    maxDoctorCalls: setting.wholeNumber({
      env: 'AUTOPILOT_WORKER_MAX_DOCTOR_CALLS',
      description:
        "doctor diagnoses per run before the run fails (the manager's loop guard decides on a retry)",
      fallback: d.maxDoctorCalls,
      min: 0,
      max: 100,
    }),
    contextTokenBudget: setting.wholeNumber({
      env: 'AUTOPILOT_WORKER_CONTEXT_TOKENS',
      description:
        'tokens of conversation sent with each model call; older tool outputs are compacted to stay under it',
      fallback: d.contextTokenBudget,
      min: 1_000,
      max: 2_000_000,
    }),
    maxOutputTokens: setting.wholeNumber({
      env: 'AUTOPILOT_WORKER_MAX_OUTPUT_TOKENS',
      description: 'max_tokens of each model call (what a budget reservation assumes at most)',
      fallback: d.maxOutputTokens,
      min: 64,
      max: 200_000,
    }),
    commandTimeoutMs: setting.wholeNumber({
      env: 'AUTOPILOT_WORKER_COMMAND_TIMEOUT_MS',
      description: "default time limit of a run's command; keep it under the manager's run lease",
      fallback: d.commandTimeoutMs,
      min: 1_000,
      max: 3_600_000,
    }),
    commandOutputCapBytes: setting.wholeNumber({
      env: 'AUTOPILOT_WORKER_COMMAND_OUTPUT_BYTES',
      description: "bytes kept of a command's stdout and of its stderr",
      fallback: d.commandOutputCapBytes,
      min: 1_024,
      max: 64 * 1024 * 1024,
    }),
    toolOutputChars: setting.wholeNumber({
      env: 'AUTOPILOT_WORKER_TOOL_OUTPUT_CHARS',
      description: "characters of a command's output the model reads back",
      fallback: d.toolOutputChars,
      min: 200,
      max: 1_000_000,
    }),
    heartbeatMs: setting.wholeNumber({
      env: 'AUTOPILOT_WORKER_HEARTBEAT_MS',
      description:
        'how often a long run tells the bus it is still working; under the consumer ack wait (30 s)',
      fallback: d.heartbeatMs,
      min: 100,
      max: 29_000,
    }),
    maxFilesChanged: setting.wholeNumber({
      env: 'AUTOPILOT_WORKER_MAX_FILES_CHANGED',
      description: 'quality gate: files one run may change',
      fallback: d.maxFilesChanged,
      min: 1,
      max: 100_000,
    }),
    maxChangedLines: setting.wholeNumber({
      env: 'AUTOPILOT_WORKER_MAX_CHANGED_LINES',
      description: 'quality gate: lines (added and removed) one run may change',
      fallback: d.maxChangedLines,
      min: 1,
      max: 10_000_000,
    }),
    protectedPaths: setting.text({
      env: 'AUTOPILOT_WORKER_PROTECTED_PATHS',
      description:
        "comma-separated globs the quality gate refuses in a run's change, on top of governance's rules",
      defaultText: DEFAULT_PROTECTED_PATHS.join(','),
    }),
    workerId: setting.text({
      env: 'AUTOPILOT_WORKER_ID',
      description: "this replica's name in run.started",
      defaultText: 'unset: host name and process id',
    }),
    model: setting.text({
      env: 'AUTOPILOT_WORKER_MODEL',
      description: 'the model runs use first (the cheap one), e.g. `gpt-4.1-mini`',
      defaultText: 'unset: no model (runs of tasks with explicit steps only)',
    }),
    strongModel: setting.text({
      env: 'AUTOPILOT_WORKER_STRONG_MODEL',
      description: 'the model a run moves to after repeated failures or a low confidence',
      defaultText: 'AUTOPILOT_WORKER_MODEL',
    }),
    roleModels: setting.text({
      env: 'AUTOPILOT_WORKER_MODEL_ROLES',
      description:
        'per-role models as JSON, e.g. `{"worker_docs":{"cheap":"m1","strong":"m2"}}` (roles worker_code, worker_test, worker_docs, doctor)',
      defaultText: 'every role uses the two models above',
    }),
    baseUrl: setting.httpUrl({
      env: 'OPENAI_BASE_URL',
      description: 'OpenAI-compatible API base URL, e.g. `http://127.0.0.1:11434/v1`',
      defaultText: "unset: OpenAI's",
    }),
    apiKey: setting.text({
      env: 'OPENAI_API_KEY',
      description: 'API key of that server (required with a model unless `OPENAI_BASE_URL` is set)',
      secret: true,
    }),
    modelTimeoutMs: setting.wholeNumber({
      env: 'AUTOPILOT_WORKER_LLM_TIMEOUT_MS',
      description: 'how long one HTTP attempt of a model call may take before it is retried',
      fallback: 120_000,
      min: 1_000,
    }),
    priceTable: setting.text({
      env: 'AUTOPILOT_PRICE_TABLE',
      description: 'model prices as JSON, USD per million tokens (what a call costs in its span)',
      defaultText: 'unset: no model priced',
    }),
    cacheDir: setting.text({
      env: 'AUTOPILOT_WORKER_CACHE_DIR',
      description: 'where this replica keeps project mirrors and run worktrees (one directory per replica)',
      defaultText: 'a directory of its own under the OS temp dir',
    }),
    sandbox: setting.text({
      env: 'AUTOPILOT_WORKER_SANDBOX',
      description: '`auto`: commands run inside bubblewrap where it works; `off`: never (stated in each run)',
      defaultText: 'auto',
    }),
    bootstrapFiles: setting.text({
      env: 'AUTOPILOT_WORKER_BOOTSTRAP_FILES',
      description:
        "comma-separated files copied from the project's checkout into every worktree, never committed",
      defaultText: 'none',
    }),
  },
  (v): WorkerSettings => ({
    maxStepsPerRun: v.maxStepsPerRun,
    maxDoctorCalls: v.maxDoctorCalls,
    contextTokenBudget: v.contextTokenBudget,
    maxOutputTokens: v.maxOutputTokens,
    commandTimeoutMs: v.commandTimeoutMs,
    commandOutputCapBytes: v.commandOutputCapBytes,
    toolOutputChars: v.toolOutputChars,
    heartbeatMs: v.heartbeatMs,
    maxFilesChanged: v.maxFilesChanged,
    maxChangedLines: v.maxChangedLines,
    protectedPaths:
      v.protectedPaths === undefined
        ? DEFAULT_PROTECTED_PATHS
        : v.protectedPaths
            .split(',')
            .map((g) => g.trim())
            .filter((g) => g.length > 0),
    workerId: v.workerId,
    model: modelSettingsOf(v),
    priceTable: v.priceTable === undefined ? {} : parsePriceTable('AUTOPILOT_PRICE_TABLE', v.priceTable),
    cacheDir: v.cacheDir,
    sandbox: sandboxOf(v.sandbox),
    bootstrapFiles: (v.bootstrapFiles ?? '')
      .split(',')
      .map((f) => f.trim())
      .filter((f) => f.length > 0),
  }),
);

function sandboxOf(value: string | undefined): 'auto' | 'off' {
  if (value === undefined || value === 'auto') return 'auto';
  if (value === 'off') return 'off';
  throw new ConfigError('AUTOPILOT_WORKER_SANDBOX', `"${value}" is neither auto nor off`);
}

function modelSettingsOf(v: {
  model?: string | undefined;
  strongModel?: string | undefined;
  roleModels?: string | undefined;
  baseUrl?: string | undefined;
  apiKey?: string | undefined;
  modelTimeoutMs: number;
}): WorkerModelSettings | undefined {
  if (v.model === undefined) return undefined;
  if (v.baseUrl === undefined && v.apiKey === undefined) {
    throw new ConfigError(
      'OPENAI_API_KEY',
      'required when AUTOPILOT_WORKER_MODEL is set and OPENAI_BASE_URL is not',
    );
  }
  const both = { cheap: v.model, strong: v.strongModel ?? v.model };
  const roles = Object.fromEntries(MODEL_ROLES.map((r) => [r, both])) as Record<
    string,
    { cheap: string; strong: string }
  >;
  if (v.roleModels !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(v.roleModels);
    } catch (e) {
      throw new ConfigError('AUTOPILOT_WORKER_MODEL_ROLES', `is not JSON: ${(e as Error).message}`);
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
      throw new ConfigError(
        'AUTOPILOT_WORKER_MODEL_ROLES',
        'must be a JSON object of role → {cheap, strong}',
      );
    for (const [role, models] of Object.entries(parsed as Record<string, unknown>)) {
      const m = models as { cheap?: unknown; strong?: unknown } | null;
      if (!(MODEL_ROLES as readonly string[]).includes(role))
        throw new ConfigError(
          'AUTOPILOT_WORKER_MODEL_ROLES',
          `"${role}" is not a role (${MODEL_ROLES.join(', ')})`,
        );
      if (typeof m?.cheap !== 'string' || typeof m.strong !== 'string')
        throw new ConfigError(
          'AUTOPILOT_WORKER_MODEL_ROLES',
          `${role} needs a cheap and a strong model name`,
        );
      roles[role] = { cheap: m.cheap, strong: m.strong };
    }
  }
  return {
    routing: { roles: roles as ModelRoutingConfig['roles'] },
    baseURL: v.baseUrl,
    apiKey: v.apiKey,
    timeoutMs: v.modelTimeoutMs,
  };
}
