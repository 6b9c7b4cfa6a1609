import { EventEmitter } from 'node:events';
import { eventually, FakeClock } from '@autopilot/testing';
import { installShutdown } from './shutdown';
import { memoryLogger } from './testing/memory-logger';

function harness(stop: () => Promise<void>, timeoutMs = 1000) {
  const { logger, lines } = memoryLogger('info');
  const signals = new EventEmitter();
  const exits: number[] = [];
  // The timeout runs on a fake clock: only a test that advances it times out.
  const clock = new FakeClock();
  const uninstall = installShutdown({
    logger,
    timeoutMs,
    stop,
    signals,
    exit: (code) => exits.push(code),
    clock,
    timers: clock,
  });
  return { signals, exits, lines, clock, uninstall, messages: () => lines.map((l) => l['msg']) };
}

describe('installShutdown', () => {
  it.each(['SIGTERM', 'SIGINT'])('on %s stops once, logs "stopped" and exits 0', async (signal) => {
    let stops = 0;
    const h = harness(async () => {
      stops += 1;
    });
    h.signals.emit(signal, signal);
    await eventually(() => expect(h.exits).toEqual([0]));
    expect(stops).toBe(1);
    expect(h.messages()).toEqual([`${signal} received: shutting down`, 'stopped']);
    expect(h.lines[1]).toMatchObject({ duration_ms: 0 });
    // The forced-exit timer went with the exit.
    expect(h.clock.pendingTimers).toBe(0);
    h.uninstall();
  });

  it('exits 1 on a second signal while stopping', async () => {
    const h = harness(() => new Promise<void>(() => undefined));
    h.signals.emit('SIGTERM', 'SIGTERM');
    h.signals.emit('SIGINT', 'SIGINT');
    expect(h.exits).toEqual([1]);
    expect(h.lines[1]).toMatchObject({ level: 'error', msg: 'second SIGINT during shutdown: forcing exit' });
    h.uninstall();
  });

  it('exits 1 with a log line when stopping takes longer than the timeout', async () => {
    const h = harness(() => new Promise<void>(() => undefined), 20_000);
    h.signals.emit('SIGTERM', 'SIGTERM');
    h.clock.advance(19_999);
    expect(h.exits).toEqual([]);
    h.clock.advance(1);
    expect(h.exits).toEqual([1]);
    expect(h.lines[1]).toMatchObject({
      level: 'error',
      msg: 'shutdown did not finish within 20000 ms: forcing exit',
    });
    h.uninstall();
  });

  it('exits 1 when stopping fails', async () => {
    const h = harness(() => Promise.reject(new Error('store will not close')));
    h.signals.emit('SIGTERM', 'SIGTERM');
    await eventually(() => expect(h.exits).toEqual([1]));
    expect(h.lines[1]).toMatchObject({ level: 'error', msg: 'shutdown failed: store will not close' });
    h.uninstall();
  });

  it('stops listening when uninstalled', () => {
    const h = harness(async () => undefined);
    h.uninstall();
    expect(h.signals.listenerCount('SIGTERM')).toBe(0);
    expect(h.signals.listenerCount('SIGINT')).toBe(0);
  });
});
