import { ConfigError } from '@autopilot/kernel';
import { MODEL_ROLES, type ModelRole } from './model-messages';

/** The cheap and the strong model of one role. */
export interface RoleModels {
  readonly cheap: string;
  readonly strong: string;
}

/** Routing as configured: every role's two models, and when to move to the strong one. */
export interface ModelRoutingConfig {
  readonly roles: Readonly<Record<ModelRole, RoleModels>>;
  /** Failures of the same attempt before the strong model takes over. Default 2. */
  readonly failuresBeforeStrong?: number;
  /** A `finish` confidence below this sends the next attempt to the strong model. Default 0.5. */
  readonly lowConfidence?: number;
}

/** What the caller knows about the attempts so far. */
export interface RoutingSignals {
  /** Failed attempts (model errors, failed gates) of this task so far. */
  readonly failures: number;
  /** The confidence the model claimed with its last `finish` (0..1), if any. */
  readonly lastConfidence?: number;
}

export interface ModelChoice {
  readonly role: ModelRole;
  readonly model: string;
  readonly tier: 'cheap' | 'strong';
  /** Why this tier, for the step log. */
  readonly reason: string;
}

export const DEFAULT_FAILURES_BEFORE_STRONG = 2;
export const DEFAULT_LOW_CONFIDENCE = 0.5;

/**
 * Picks the model of a call: the cheap model first; the strong one after a repeated failure or a
 * low claimed confidence. Pure: the caller keeps the signals.
 */
export class ModelRouter {
  readonly #failuresBeforeStrong: number;
  readonly #lowConfidence: number;

  constructor(private readonly config: ModelRoutingConfig) {
    for (const role of MODEL_ROLES) {
      const models = config.roles[role] as RoleModels | undefined;
      if (!models || !models.cheap || !models.strong) {
        throw new ConfigError(`model routing.${role}`, 'needs a cheap and a strong model');
      }
    }
    this.#failuresBeforeStrong = config.failuresBeforeStrong ?? DEFAULT_FAILURES_BEFORE_STRONG;
    this.#lowConfidence = config.lowConfidence ?? DEFAULT_LOW_CONFIDENCE;
    if (!Number.isInteger(this.#failuresBeforeStrong) || this.#failuresBeforeStrong < 1) {
      throw new ConfigError('model routing.failuresBeforeStrong', 'must be a whole number of at least 1');
    }
    if (!(this.#lowConfidence >= 0 && this.#lowConfidence <= 1)) {
      throw new ConfigError('model routing.lowConfidence', 'must be between 0 and 1');
    }
  }

  /** The model for `role` given what happened so far. */
  choose(role: ModelRole, signals: RoutingSignals = { failures: 0 }): ModelChoice {
    const { cheap, strong } = this.config.roles[role];
    if (signals.failures >= this.#failuresBeforeStrong) {
      return { role, model: strong, tier: 'strong', reason: `${signals.failures} failed attempts` };
    }
    if (signals.lastConfidence !== undefined && signals.lastConfidence < this.#lowConfidence) {
      return {
        role,
        model: strong,
        tier: 'strong',
        reason: `claimed confidence ${signals.lastConfidence} is below ${this.#lowConfidence}`,
      };
    }
    return { role, model: cheap, tier: 'cheap', reason: 'first choice' };
  }

  /** The model of a role at a tier the caller already chose (the worker's doctor escalates by tier). */
  modelFor(role: ModelRole, tier: 'cheap' | 'strong'): string {
    return this.config.roles[role][tier];
  }

  /** Every model routing can pick, for checking them against the price table at start. */
  models(): string[] {
    return [
      ...new Set(MODEL_ROLES.flatMap((r) => [this.config.roles[r].cheap, this.config.roles[r].strong])),
    ];
  }
}

/** One model for every role and tier: a single configured model. */
export function singleModelRouting(model: string): ModelRoutingConfig {
  const both = { cheap: model, strong: model };
  return {
    roles: Object.fromEntries(MODEL_ROLES.map((r) => [r, both])) as Record<ModelRole, RoleModels>,
  };
}
