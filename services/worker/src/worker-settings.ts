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
  }),
);
