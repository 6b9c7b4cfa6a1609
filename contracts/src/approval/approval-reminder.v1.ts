import type { Static } from '@sinclair/typebox';
import { defineMessage } from '../define-message';
import { Approval } from '../shared/approval';

export const ApprovalReminderV1 = defineMessage({
  kind: 'event',
  aggregate: 'approval',
  name: 'reminder',
  version: 1,
  producer: 'governance',
  consumers: ['gateway'],
  summary:
    "An approval is still pending after its policy's reminder wait (sent once, for notifications); carries the whole approval.",
  data: Approval,
});
export type ApprovalReminderV1 = Static<typeof ApprovalReminderV1.data>;
