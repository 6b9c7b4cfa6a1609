import type { ObjectInfo, ObjectResult, ObjectStore } from '@nats-io/obj';
import { PayloadTooLargeError } from '../errors';
import { PAYLOADS_BUCKET, PayloadStore } from './payload-store';

/**
 * An object store whose metadata says `claimedSize` while its stream yields `chunks` chunks of
 * `chunkBytes`: a body whose publisher wrote a lying size. Counts what was read and whether the
 * read was cancelled.
 */
function lyingStore(claimedSize: number, chunks: number, chunkBytes: number) {
  const seen = { pulled: 0, cancelled: false };
  const info = { size: claimedSize, deleted: false } as ObjectInfo;
  const store = {
    info: async () => info,
    get: async (): Promise<ObjectResult> => ({
      info,
      error: Promise.resolve(null),
      data: new ReadableStream<Uint8Array>({
        pull(controller) {
          if (seen.pulled === chunks) return controller.close();
          seen.pulled += 1;
          controller.enqueue(new Uint8Array(chunkBytes));
        },
        cancel() {
          seen.cancelled = true;
        },
      }),
    }),
  } as unknown as ObjectStore;
  return { store, seen };
}

const ref = { bucket: PAYLOADS_BUCKET, name: 'liar', bytes: 10 };

describe('PayloadStore.fetch', () => {
  it('stops reading once past maxBytes when the stored size lies, and cancels the read', async () => {
    const { store, seen } = lyingStore(10, 1000, 1024);
    const fetching = new PayloadStore(store).fetch(ref, 8 * 1024, 'ap.v1.evt.x.y');
    await expect(fetching).rejects.toBeInstanceOf(PayloadTooLargeError);
    await expect(fetching).rejects.toMatchObject({ code: 'BUS_PAYLOAD_TOO_LARGE', measured: 'read' });
    // Nine chunks of 1 KiB pass 8 KiB: nothing after them was read.
    expect(seen.pulled).toBeLessThanOrEqual(10);
    expect(seen.cancelled).toBe(true);
  });

  it('refuses by the stored size before reading anything', async () => {
    const { store, seen } = lyingStore(1_000_000, 1000, 1024);
    await expect(new PayloadStore(store).fetch(ref, 8 * 1024, 'ap.v1.evt.x.y')).rejects.toMatchObject({
      code: 'BUS_PAYLOAD_TOO_LARGE',
      measured: 'store',
    });
    expect(seen.pulled).toBe(0);
  });

  it('returns a body within the cap whole', async () => {
    const { store } = lyingStore(3 * 1024, 3, 1024);
    const body = await new PayloadStore(store).fetch(ref, 8 * 1024, 'ap.v1.evt.x.y');
    expect(body.length).toBe(3 * 1024);
  });
});
