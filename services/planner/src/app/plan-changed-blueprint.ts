import { Inject, Injectable } from '@nestjs/common';
import {
  applyBlueprintChange,
  BlueprintChangeMismatchError,
  IngestionAnnounceBlueprintV1,
  wholeBlueprintIngested,
  type BlueprintIngestedV1,
  type BlueprintIngestedV2,
} from '@autopilot/contracts';
import { sha256Hex } from '@autopilot/kernel';
import { OutboxEnvelopes } from '@autopilot/runtime';
import { PlanBlueprintUseCase, type PlanBlueprintResult } from './plan-blueprint';
import { PlannerLog, PlanRepository, RecentBlueprints } from './ports';
import { PlanningSecretScans } from './planning-secret-scans';

/** What planning a version told as a change needs besides planning itself. */
export interface PlanChangedDeps {
  readonly recent: RecentBlueprints;
  readonly plans: PlanRepository;
  readonly envelopes: OutboxEnvelopes;
  readonly log: PlannerLog;
  /** Where the planner keeps its own secret scans (absent: every version scanned whole). */
  readonly secretScans?: PlanningSecretScans;
}

/**
 * The version a v2 announcement tells as a change, whole: the change applied to the version it
 * names, when that is the version held (same number and digest) and the result has the announced
 * digest. Undefined otherwise: the planner holds another version, or none, or the change does not
 * fit the one it names (a producer's bug), which is then asked for whole like any other, rather
 * than retried and dead-lettered with nobody told.
 */
export function wholeFromChange(
  change: BlueprintIngestedV2,
  held: BlueprintIngestedV1 | undefined,
): BlueprintIngestedV1 | undefined {
  if (!held || held.version !== change.base.version || held.digest !== change.base.digest) return undefined;
  let content: ReturnType<typeof applyBlueprintChange>;
  try {
    content = applyBlueprintChange(held, change);
  } catch (err) {
    if (err instanceof BlueprintChangeMismatchError) return undefined;
    throw err;
  }
  if (sha256Hex(content.text) !== change.digest) return undefined;
  return wholeBlueprintIngested(change, content);
}

/**
 * `blueprint.ingested` v2: a version told as a change to one the planner should hold. Held: the
 * version is planned as if announced whole. Not held (a restart since, another replica planned the
 * base): ingestion is asked to announce the version whole (`cmd.ingestion.announce_blueprint`,
 * answered with `blueprint.ingested` v1, which is planned then); the ask is committed with the
 * message recorded as handled, so a redelivery does not ask twice.
 */
export async function planChangedBlueprint(
  change: BlueprintIngestedV2,
  deps: PlanChangedDeps,
  plan: (whole: BlueprintIngestedV1) => Promise<PlanBlueprintResult>,
): Promise<PlanBlueprintResult | 'asked'> {
  const held = deps.recent.get(change.blueprintId);
  const whole = wholeFromChange(change, held);
  if (whole) {
    // Its secret scan starts from the held version's (planning-secret-scans.ts).
    if (held) deps.secretScans?.rememberEdit(whole, held, change.textEdits);
    deps.recent.remember(whole);
    return plan(whole);
  }
  deps.log.info('blueprint change to a version not held (or not fitting it); asking for it whole', {
    blueprintId: change.blueprintId,
    blueprintVersion: change.version,
    baseVersion: change.base.version,
  });
  await deps.plans.announce([
    deps.envelopes.build(
      IngestionAnnounceBlueprintV1,
      {
        projectId: change.projectId,
        blueprintId: change.blueprintId,
        version: change.version,
        jobId: change.jobId,
      },
      { projectId: change.projectId, correlationId: change.jobId },
    ),
  ]);
  return 'asked';
}

/** Both announcements of a version, as the bus handlers call them, wired by Nest. */
@Injectable()
export class PlanIngestedBlueprintUseCase {
  private readonly deps: PlanChangedDeps;

  constructor(
    private readonly planBlueprint: PlanBlueprintUseCase,
    @Inject(RecentBlueprints) recent: RecentBlueprints,
    @Inject(PlanRepository) plans: PlanRepository,
    @Inject(OutboxEnvelopes) envelopes: OutboxEnvelopes,
    @Inject(PlannerLog) log: PlannerLog,
    secretScans: PlanningSecretScans,
  ) {
    this.deps = { recent, plans, envelopes, log, secretScans };
  }

  /** A version announced whole (v1): held for the next one, and planned. */
  whole(blueprint: BlueprintIngestedV1): Promise<PlanBlueprintResult> {
    this.deps.recent.remember(blueprint);
    return this.planBlueprint.execute(blueprint);
  }

  /** A version announced as a change (v2). */
  changed(change: BlueprintIngestedV2): Promise<PlanBlueprintResult | 'asked'> {
    return planChangedBlueprint(change, this.deps, (whole) => this.planBlueprint.execute(whole));
  }
}
