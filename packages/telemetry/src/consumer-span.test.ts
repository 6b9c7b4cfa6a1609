import { ROOT_CONTEXT } from '@opentelemetry/api';
import { installMemoryTracing } from '@autopilot/telemetry/testing';
import { withConsumerSpan } from '@autopilot/telemetry';

const info = { subject: 'ap.v1.evt.test.pinged', messageId: 'm-1', consumer: 'test-consumer' };
const names = (spans: { name: string }[]): string[] => spans.map((s) => s.name);

describe('consumer spans', () => {
  it('go to the tracer provider registered now, not the one there was when first used', async () => {
    const first = installMemoryTracing();
    await withConsumerSpan(ROOT_CONTEXT, info, async () => undefined);
    expect(names(first.spans())).toEqual(['process ap.v1.evt.test.pinged']);
    await first.shutdown();

    const second = installMemoryTracing();
    try {
      await withConsumerSpan(ROOT_CONTEXT, info, async () => undefined);
      expect(names(second.spans())).toEqual(['process ap.v1.evt.test.pinged']);
      expect(second.spans()[0]?.attributes).toMatchObject({
        'messaging.destination.name': info.subject,
        'messaging.message.id': info.messageId,
        'messaging.consumer.group.name': info.consumer,
      });
    } finally {
      await second.shutdown();
    }
  });
});
