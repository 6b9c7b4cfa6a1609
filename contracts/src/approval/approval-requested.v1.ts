import type { Static } from '@sinclair/typebox';
import { defineMessage } from '../define-message';
import { Approval } from '../shared/approval';

export const ApprovalRequestedV1 = defineMessage({
  kind: 'event',
  aggregate: 'approval',
  name: 'requested',
  version: 1,
  producer: 'governance',
  consumers: ['gateway'],
  summary: 'Policy wants a person to approve an action; carries the whole approval (status pending).',
  data: Approval,
});
export type ApprovalRequestedV1 = Static<typeof ApprovalRequestedV1.data>;
