import type { BlueprintIngestedV1, IntentionAnchor } from '@autopilot/contracts';
import { sha256Hex } from '@autopilot/kernel';
import { anchorFromBlueprint, anchorFromBlueprintReusing, type AnchorReading } from '../domain/anchor/anchor';
import type { AnchorBuilder } from './ports';

/**
 * The default AnchorBuilder: the intention anchor quoted from the blueprint alone. Where the
 * project's explicit inputs are known, bind an AnchorBuilder that passes them to
 * `anchorFromBlueprint` instead.
 */
export const blueprintAnchorBuilder: AnchorBuilder = {
  anchorFor: async (blueprint: BlueprintIngestedV1): Promise<IntentionAnchor> =>
    anchorFromBlueprint(blueprint, { hash: sha256Hex }),
};

/**
 * The same anchors as `blueprintAnchorBuilder`, for a planner that lives on: it keeps what it read
 * in the last blueprint it built an anchor for, so that a re-plan after an edit reads again only
 * what the edit touched (issue 17: a re-plan costs in proportion to the change). One reading is
 * kept, whatever the blueprint: it is checked against the text, so another blueprint in between
 * costs a whole read, never a wrong anchor. A new process starts with none and reads the whole.
 */
export class RememberingAnchorBuilder implements AnchorBuilder {
  private last: AnchorReading | undefined;

  async anchorFor(blueprint: BlueprintIngestedV1): Promise<IntentionAnchor> {
    const { anchor, reading } = anchorFromBlueprintReusing(blueprint, { hash: sha256Hex }, this.last);
    this.last = reading;
    return anchor;
  }
}
