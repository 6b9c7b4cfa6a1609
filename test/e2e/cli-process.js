"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.CliProcess = exports.bin = exports.repoRoot = void 0;
exports.cliEnv = cliEnv;
exports.runToExit = runToExit;
exports.getJson = getJson;
exports.ensureBuilt = ensureBuilt;
const node_child_process_1 = require("node:child_process");
const node_fs_1 = require("node:fs");
const node_path_1 = require("node:path");
const testing_1 = require("@autopilot/testing");
exports.repoRoot = (0, node_path_1.resolve)(__dirname, '..', '..');
/** The bin itself, never `npx`: npx does not pass SIGTERM on (PLATFORM.md). */
exports.bin = (0, node_path_1.join)(exports.repoRoot, 'packages', 'cli', 'bin', 'autopilot.js');
/** The environment a spawned CLI sees: ours minus every setting it reads, plus `extra`. */
function cliEnv(extra = {}) {
    const env = { ...process.env };
    for (const key of Object.keys(env)) {
        if (/^(NATS_URL|MONGO_URL|PORT|LOG_LEVEL|OTEL_|AUTOPILOT_)/.test(key))
            delete env[key];
    }
    return { ...env, ...extra };
}
/** Runs the CLI to completion (usage errors, --help). */
function runToExit(args, env = {}) {
    const r = (0, node_child_process_1.spawnSync)(process.execPath, [exports.bin, ...args], {
        env: cliEnv(env),
        encoding: 'utf8',
        timeout: 20_000,
    });
    return { code: r.status, out: r.stdout, err: r.stderr };
}
/** A running CLI process with its stdout parsed into log lines. */
class CliProcess {
    child;
    lines = [];
    stdout = '';
    stderr = '';
    exited;
    constructor(args, env = {}) {
        this.child = (0, node_child_process_1.spawn)(process.execPath, [exports.bin, ...args], {
            env: cliEnv(env),
            stdio: ['ignore', 'pipe', 'pipe'],
        });
        let partial = '';
        this.child.stdout?.on('data', (chunk) => {
            this.stdout += chunk.toString();
            partial += chunk.toString();
            const complete = partial.split('\n');
            partial = complete.pop() ?? '';
            for (const line of complete)
                if (line.trim())
                    this.lines.push(JSON.parse(line));
        });
        this.child.stderr?.on('data', (chunk) => {
            this.stderr += chunk.toString();
        });
        this.exited = new Promise((resolve) => this.child.once('exit', (code, signal) => resolve({ code, signal })));
    }
    /** Waits for a log line whose message matches; fails with everything logged so far. */
    async waitFor(msg, timeoutMs = 15_000) {
        return (0, testing_1.eventually)(() => {
            const line = this.lines.find((l) => msg.test(String(l.msg)));
            if (!line)
                throw new Error(`no log line matching ${msg} yet:\n${this.stdout}\n${this.stderr}`);
            return line;
        }, { timeoutMs, intervalMs: 50 });
    }
    /** The HTTP port from the "HTTP listening" line. */
    async port() {
        return Number((await this.waitFor(/^HTTP listening on /)).port);
    }
    /** Ends the process if a test left it running. */
    kill() {
        if (this.child.exitCode === null && this.child.signalCode === null)
            this.child.kill('SIGKILL');
    }
}
exports.CliProcess = CliProcess;
async function getJson(port, path) {
    const res = await fetch(`http://127.0.0.1:${port}${path}`);
    return { status: res.status, body: (await res.json()) };
}
function newestMtime(dir) {
    let newest = 0;
    for (const entry of (0, node_fs_1.readdirSync)(dir, { withFileTypes: true })) {
        if (entry.name === 'node_modules' || entry.name === 'dist')
            continue;
        const path = (0, node_path_1.join)(dir, entry.name);
        if (entry.isDirectory())
            newest = Math.max(newest, newestMtime(path));
        else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts'))
            newest = Math.max(newest, (0, node_fs_1.statSync)(path).mtimeMs);
    }
    return newest;
}
/** Builds with `tsc -b` when the CLI's dist is missing or older than any source it runs. */
function ensureBuilt() {
    const main = (0, node_path_1.join)(exports.repoRoot, 'packages', 'cli', 'dist', 'main.js');
    let built = 0;
    try {
        built = (0, node_fs_1.statSync)(main).mtimeMs;
    }
    catch {
        // not built yet
    }
    const sources = ['packages', 'services', 'contracts'].map((d) => newestMtime((0, node_path_1.join)(exports.repoRoot, d)));
    if (built > 0 && built >= Math.max(...sources))
        return;
    const tsc = (0, node_path_1.join)(exports.repoRoot, 'node_modules', 'typescript', 'bin', 'tsc');
    const r = (0, node_child_process_1.spawnSync)(process.execPath, [tsc, '-b'], { cwd: exports.repoRoot, encoding: 'utf8', timeout: 300_000 });
    if (r.status !== 0)
        throw new Error(`tsc -b failed:\n${r.stdout}\n${r.stderr}`);
}
//# sourceMappingURL=cli-process.js.map