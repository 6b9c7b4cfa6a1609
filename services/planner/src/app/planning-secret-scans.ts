import { Injectable } from '@nestjs/common';
import type { BlueprintIngestedV1, BlueprintTextEdit } from '@autopilot/contracts';
import type { EarlierSecretScan, SecretFinding } from '@autopilot/secret-scan';
import { planningView, type PlanningView } from '../domain/plan/plan-redaction';

/** Most findings kept for a version. */
const MAX_KEPT_FINDINGS = 10_000;

/**
 * The planner's own secret scan of each version it planned (planningView scans every version, as
 * defence in depth), so that a version told as an edit of a held one (`blueprint.ingested` v2) is
 * scanned only around the edit (issue 17: re-planning after a one-section edit scanned 2.9 MB).
 *
 * Kept beside the version objects themselves, weakly: an entry goes when its version does (when
 * RecentBlueprints lets it go), and a version planned without one is scanned whole. An entry for a
 * changed version holds its base's findings, never the base (which would keep every version alive).
 * A cache of a pure computation: it is right or absent. One per planner (the module provides it to
 * the use case that applies changes and to the one that plans).
 */
@Injectable()
export class PlanningSecretScans {
  private readonly ownScans = new WeakMap<BlueprintIngestedV1, readonly SecretFinding[]>();
  private readonly earlierScans = new WeakMap<BlueprintIngestedV1, EarlierSecretScan>();

  /**
   * `whole` is `base` with `edits` made (wholeFromChange checked it): its planning view may start
   * from the scan of `base`, when `base` was planned here.
   */
  rememberEdit(
    whole: BlueprintIngestedV1,
    base: BlueprintIngestedV1,
    edits: readonly BlueprintTextEdit[],
  ): void {
    const findings = this.ownScans.get(base);
    if (findings) this.earlierScans.set(whole, { findings, edits });
  }

  /** planningView of `blueprint`, from the scan of the version it is an edit of when one is held. */
  viewOf(blueprint: BlueprintIngestedV1): PlanningView {
    const own = this.ownScans.get(blueprint);
    // The same version again (a replay): its own scan, no edit.
    const earlier = own ? { findings: own, edits: [] } : this.earlierScans.get(blueprint);
    const view = planningView(blueprint, earlier);
    // A text made of secret-shaped strings keeps no scan (tens of MB): its next version is scanned whole.
    if (view.ownFindings.length <= MAX_KEPT_FINDINGS) this.ownScans.set(blueprint, view.ownFindings);
    else this.ownScans.delete(blueprint);
    this.earlierScans.delete(blueprint);
    return view;
  }
}
