import { Type, type Static } from '@sinclair/typebox';
import { StringEnum } from './string-enum';

/** A coarse risk grade for plan nodes and gaps, where a number would claim false precision. */
export const RISK_LEVELS = ['low', 'medium', 'high'] as const;
export const RiskLevel = StringEnum(RISK_LEVELS, { description: 'Coarse risk grade' });
export type RiskLevel = Static<typeof RiskLevel>;

/** A risk score for one concrete action; policy rules compare it with thresholds. */
export const RiskScore = (description = 'Risk of the action, 0 (harmless) to 1 (most dangerous)') =>
  Type.Number({ minimum: 0, maximum: 1, description });
