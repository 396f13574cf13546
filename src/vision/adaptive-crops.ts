import type { CropPlan, PersonHeights, PlanOptions } from './crop-plan.js';
import { PersonHeightModel, type HeightModelData, type HeightModelOptions } from './person-heights.js';
import { PlanMemo, type MemoPlan } from './plan-memo.js';
import type { MergedDetection } from './tile-merge.js';
import type { LineSpec } from './types.js';

/**
 * The crop plan of one source over time: it starts from the height model's prior and follows what the model learns
 * from the people found. Heights are rounded to steps of 2^(1/8) (9 %) before planning, so the plan only changes
 * when what is known about people changes, and a changed plan is taken only once it came out the same
 * STABLE_UPDATES times in a row and MIN_PASSES_BETWEEN_CHANGES passes after the last change (the first learned plan
 * is taken at once: the prior is only a guess).
 */

export type AdaptiveCropsOptions = Omit<PlanOptions, 'heights'> & { heightModel?: Partial<HeightModelOptions> };

/** Detections at least this confident teach the height model (fewer false people in the fit). */
export const LEARN_SCORE = 0.5;
/**
 * A whole box less than this share of the smaller people's height at its row is a part of a person or clutter, not a
 * person (bench:height: at fine scales most false detections are such small boxes).
 */
export const MIN_HEIGHT_SHARE = 0.5;
const STABLE_UPDATES = 3;
/** Detection passes between two plan changes at least: heights near a step boundary must not make the plan flap. */
export const MIN_PASSES_BETWEEN_CHANGES = 50;

const quantize = (h: number) => 2 ** (Math.round(8 * Math.log2(Math.max(1, h))) / 8);

function quantized(h: PersonHeights): PersonHeights {
  return { low: (y) => quantize(h.low(y)), high: (y) => quantize(h.high(y)) };
}

/**
 * The planner's history as plain data (a checkpoint's): the heights learned, the plan in force and the one proposed
 * (as their keys, the plans' JSON), and the passes since the last change, which decide when the plan next changes.
 */
export interface CropsData {
  /** The planner's options (everything but the heights) as JSON: the plans are only valid for these. */
  options: string;
  model: HeightModelData;
  plan: string;
  learned: boolean;
  proposal: { plan: string; times: number } | null;
  passesSinceChange: number;
}

export class AdaptiveCrops {
  readonly model: PersonHeightModel;
  private options: Omit<PlanOptions, 'heights'>;
  private memo: PlanMemo;
  private current: CropPlan;
  private currentKey: string;
  private learned = false;
  private proposal: { key: string; plan: CropPlan; times: number } | null = null;
  private passesSinceChange = 0;

  constructor(o: AdaptiveCropsOptions) {
    const { heightModel, ...plan } = o;
    this.options = plan;
    this.memo = new PlanMemo(plan);
    this.model = new PersonHeightModel(o.frame, heightModel);
    ({ plan: this.current, key: this.currentKey } = this.compute());
  }

  get plan(): CropPlan {
    return this.current;
  }

  get frame(): PlanOptions['frame'] {
    return this.options.frame;
  }

  get targetHeight(): number {
    return this.options.targetHeight;
  }

  /** Whether the plan comes from people seen (true) or from the prior. */
  get fromObservations(): boolean {
    return this.learned;
  }

  toData(): CropsData {
    return {
      options: JSON.stringify(this.options),
      model: this.model.toData(),
      plan: this.currentKey,
      learned: this.learned,
      proposal: this.proposal && { plan: this.proposal.key, times: this.proposal.times },
      passesSinceChange: this.passesSinceChange,
    };
  }

  /**
   * Continues from `d` (what toData gave). Returns false when `d` was planned with other options (lines, region,
   * input size…): then only the heights learned are taken, and the plan is made from them at once.
   */
  loadData(d: CropsData): boolean {
    this.model.loadData(d.model);
    if (d.options !== JSON.stringify(this.options)) {
      const { plan, key } = this.compute();
      this.adopt(plan, key);
      this.learned = this.model.fit() !== null;
      return false;
    }
    this.current = JSON.parse(d.plan) as CropPlan;
    this.currentKey = d.plan;
    this.learned = d.learned;
    this.proposal = d.proposal && { key: d.proposal.plan, plan: JSON.parse(d.proposal.plan) as CropPlan, times: d.proposal.times };
    this.passesSinceChange = d.passesSinceChange;
    return true;
  }

  /** One detection pass's detections (frame pixels); returns the new plan when it changes, else null. */
  update(detections: readonly MergedDetection[]): CropPlan | null {
    this.passesSinceChange += 1;
    for (const d of detections) if (d.whole && d.score >= LEARN_SCORE) this.model.observe(d.box);
    if (!this.model.fit()) return null;
    const { plan: next, key } = this.compute();
    if (key === this.currentKey) {
      this.proposal = null;
      if (!this.learned) this.learned = true;
      return null;
    }
    if (this.proposal?.key === key) this.proposal.times += 1;
    else this.proposal = { key, plan: next, times: 1 };
    if (this.learned && (this.proposal.times < STABLE_UPDATES || this.passesSinceChange < MIN_PASSES_BETWEEN_CHANGES)) return null;
    this.learned = true;
    return this.adopt(next, key);
  }

  /**
   * Drops whole boxes far smaller than people at their row, once heights are learned (the prior knows no rows).
   * Boxes cut by the frame or a tile edge are kept: being cut is what makes them small.
   */
  plausible<T extends MergedDetection>(detections: readonly T[]): T[] {
    if (!this.model.fit()) return [...detections];
    const h = this.model.heights();
    return detections.filter((d) => !d.whole || d.box[3] >= MIN_HEIGHT_SHARE * h.low(d.box[1] + d.box[3]));
  }

  /** New lines (the plan is recomputed at once, with what is known about people). */
  setLines(lines: readonly LineSpec[]): CropPlan {
    this.options = { ...this.options, lines };
    this.memo = new PlanMemo(this.options);
    const { plan, key } = this.compute();
    return this.adopt(plan, key);
  }

  private adopt(plan: CropPlan, key: string): CropPlan {
    this.passesSinceChange = 0;
    this.current = plan;
    this.currentKey = key;
    this.proposal = null;
    return plan;
  }

  private compute(): MemoPlan {
    return this.memo.plan(quantized(this.model.heights()));
  }
}
