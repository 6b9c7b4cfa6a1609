import { InProcessMessageBus } from '@autopilot/bus/in-process';
import { AutopilotTickedV1 } from '@autopilot/contracts';
import { eventually } from '@autopilot/testing';
import { currentLogContext, type LogContext } from './logging';
import { ServiceScopedBus } from './service-scoped-bus';
import { tickPayload } from './testing/ticks';

const tick = tickPayload(1);

describe('ServiceScopedBus', () => {
  it("runs handlers in the message's log context and leaves the shared bus open on close", async () => {
    const shared = new InProcessMessageBus();
    const scoped = new ServiceScopedBus(shared, 'gateway');
    const seen: LogContext[] = [];
    await scoped.subscribe(AutopilotTickedV1, 'gateway-autopilot-ticked', async () => {
      await Promise.resolve();
      seen.push(currentLogContext());
    });
    await scoped.close();
    await shared.publish(AutopilotTickedV1, tick, { correlationId: 'run-7', projectId: 'proj-1' });
    await shared.publish(AutopilotTickedV1, { ...tick, seq: 2 });
    await eventually(() => expect(seen).toEqual([{ correlation_id: 'run-7', project_id: 'proj-1' }, {}]));
    await shared.close();
  });
});
