import { describe, expect, it } from '@jest/globals';
import { seededRandom } from '@autopilot/testing';
import { release, reserve, settle, type LedgerState } from './budget-ledger';
import type { BudgetWindow } from './budget-windows';

/** Plain checks inside the loop: jest's matchers would make the 120k checks take seconds. */
function check(ok: boolean, seed: number, problem: string): void {
  if (!ok) throw new Error(`seed ${seed}: ${problem}`);
}

const AT = Date.parse('2026-03-29T12:00:00Z');

describe('ledger property: caps are never passed, releases return exactly what was held', () => {
  it('holds over 3000 random reserve / settle / release / replay sequences', () => {
    let sequences = 0;
    for (let seed = 1; seed <= 3000; seed++) {
      const rand = seededRandom(seed);
      const int = (n: number): number => Math.floor(rand() * n);
      // Two runs of one project share a day and a week window, plus a global day cap.
      const caps = { run: 20 + int(60), daily: 30 + int(80), weekly: 40 + int(120), global: 35 + int(100) };
      const windowsOf = (run: string): BudgetWindow[] => [
        { scope: 'run', key: `run/${run}`, capMicros: caps.run },
        { scope: 'daily', key: 'daily/p', capMicros: caps.daily },
        { scope: 'weekly', key: 'weekly/p', capMicros: caps.weekly },
        { scope: 'global_daily', key: 'global', capMicros: caps.global },
      ];
      let state: LedgerState = { windows: {}, reservations: {} };
      const model = new Map<
        string,
        { run: string; held: number; status: 'held' | 'settled' | 'released'; spent: number }
      >();
      let nextId = 0;

      for (let step = 0; step < 40; step++) {
        const ids = [...model.keys()];
        const op = int(10);
        if (op < 5 || ids.length === 0) {
          const run = int(2) === 0 ? 'r1' : 'r2';
          const amount = int(30);
          const id = `res-${nextId++}`;
          const out = reserve(state, {
            reservationId: id,
            projectId: 'p',
            runId: run,
            amountMicros: amount,
            windows: windowsOf(run),
            at: AT,
          });
          if (out.decision.type === 'granted') model.set(id, { run, held: amount, status: 'held', spent: 0 });
          else check(out.state === state, seed, 'a refusal changed the state');
          state = out.state;
        } else {
          const id = ids[int(ids.length)] as string;
          const m = model.get(id)!;
          if (op < 8) {
            // Actual usage never exceeds the worst case the reservation held.
            const actual = int(m.held + 1);
            if (m.status === 'released') continue;
            const out = settle(state, { reservationId: id, actualMicros: actual, at: AT });
            if (m.status === 'held') {
              const d = out.decision;
              check(
                !d.replay && d.releasedMicros === m.held - actual,
                seed,
                'settle released the wrong amount',
              );
              m.status = 'settled';
              m.spent = actual;
            } else {
              check(out.decision.replay && out.state === state, seed, 'a second settle changed the state');
            }
            state = out.state;
          } else {
            const out = release(state, { reservationId: id, at: AT });
            if (m.status === 'held') {
              const d = out.decision;
              check(!d.replay && d.releasedMicros === m.held, seed, 'release returned the wrong amount');
              m.status = 'released';
            } else {
              check(out.state === state, seed, 'a repeat release changed the state');
            }
            state = out.state;
          }
        }

        // Invariants after every step, against an independent model of the reservations.
        const all = [...model.values()];
        const sum = (pred: (r: (typeof all)[number]) => boolean, f: 'held' | 'spent') =>
          all
            .filter(pred)
            .reduce((s, r) => s + (f === 'held' ? (r.status === 'held' ? r.held : 0) : r.spent), 0);
        const expected: Record<string, { held: number; spent: number; cap: number }> = {
          'run/r1': {
            held: sum((r) => r.run === 'r1', 'held'),
            spent: sum((r) => r.run === 'r1', 'spent'),
            cap: caps.run,
          },
          'run/r2': {
            held: sum((r) => r.run === 'r2', 'held'),
            spent: sum((r) => r.run === 'r2', 'spent'),
            cap: caps.run,
          },
          'daily/p': { held: sum(() => true, 'held'), spent: sum(() => true, 'spent'), cap: caps.daily },
          'weekly/p': { held: sum(() => true, 'held'), spent: sum(() => true, 'spent'), cap: caps.weekly },
          global: { held: sum(() => true, 'held'), spent: sum(() => true, 'spent'), cap: caps.global },
        };
        for (const [key, e] of Object.entries(expected)) {
          const u = state.windows[key] ?? { heldMicros: 0, spentMicros: 0 };
          if (u.heldMicros !== e.held || u.spentMicros !== e.spent || u.heldMicros + u.spentMicros > e.cap) {
            throw new Error(
              `seed ${seed} step ${step} window ${key}: held ${u.heldMicros}/${e.held} spent ${u.spentMicros}/${e.spent} cap ${e.cap}`,
            );
          }
        }
      }
      sequences++;
    }
    expect(sequences).toBe(3000);
  });
});
