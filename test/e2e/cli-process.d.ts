import { type ChildProcess } from 'node:child_process';
export declare const repoRoot: string;
/** The bin itself, never `npx`: npx does not pass SIGTERM on (PLATFORM.md). */
export declare const bin: string;
/** A JSON log line as the CLI writes it. */
export type LogLine = Record<string, unknown> & {
    msg?: string;
    level?: string;
};
/** The environment a spawned CLI sees: ours minus every setting it reads, plus `extra`. */
export declare function cliEnv(extra?: Record<string, string>): NodeJS.ProcessEnv;
/** Runs the CLI to completion (usage errors, --help). */
export declare function runToExit(args: string[], env?: Record<string, string>): {
    code: number | null;
    out: string;
    err: string;
};
/** A running CLI process with its stdout parsed into log lines. */
export declare class CliProcess {
    readonly child: ChildProcess;
    readonly lines: LogLine[];
    stdout: string;
    stderr: string;
    readonly exited: Promise<{
        code: number | null;
        signal: NodeJS.Signals | null;
    }>;
    constructor(args: string[], env?: Record<string, string>);
    /** Waits for a log line whose message matches; fails with everything logged so far. */
    waitFor(msg: RegExp, timeoutMs?: number): Promise<LogLine>;
    /** The HTTP port from the "HTTP listening" line. */
    port(): Promise<number>;
    /** Ends the process if a test left it running. */
    kill(): void;
}
export declare function getJson(port: number, path: string): Promise<{
    status: number;
    body: Record<string, unknown>;
}>;
/** Builds with `tsc -b` when the CLI's dist is missing or older than any source it runs. */
export declare function ensureBuilt(): void;
//# sourceMappingURL=cli-process.d.ts.map