import type { Static } from '@sinclair/typebox';
import { defineMessage } from '../define-message';
import { Approval } from '../shared/approval';

export const ApprovalDecidedV1 = defineMessage({
  kind: 'event',
  aggregate: 'approval',
  name: 'decided',
  version: 1,
  producer: 'governance',
  consumers: ['manager', 'gateway'],
  summary: 'An approval was approved, rejected or expired; carries the whole approval.',
  data: Approval,
});
export type ApprovalDecidedV1 = Static<typeof ApprovalDecidedV1.data>;
