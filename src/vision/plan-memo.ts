import { planCrops, type CropPlan, type PersonHeights, type PlanOptions } from './crop-plan.js';

/**
 * Crop planning without redoing it when nothing it depends on changed. planCrops is a pure function of its options,
 * and it learns about people only through the values `heights.low(y)` and `heights.high(y)` it asks for. So:
 * - within one planning each height is computed once (the scale search plans the same lines up to ten times, asking
 *   for the same rows each time);
 * - a planning with new heights that answer every question the last planning asked exactly as before would ask the
 *   same questions in the same order and make the same plan: the last plan is returned without planning.
 * The worker refits person heights after every detection pass, but the plan only sees them rounded to 9 % steps,
 * so on a steady scene most passes are such a replay; a fit near a step flips some heights back and forth, so the
 * last few plannings are kept, not only the last one.
 */

/** Heights as one planning asked for them: each (side, row) computed once and remembered with its answer. */
class AskedHeights implements PersonHeights {
  readonly lows = new Map<number, number>();
  readonly highs = new Map<number, number>();

  constructor(private readonly heights: PersonHeights) {}

  // Arrow functions: the planner may pass `low`/`high` around without their object, and `heights` may be a class.
  private readonly lowOf = (y: number) => this.heights.low(y);
  private readonly highOf = (y: number) => this.heights.high(y);
  readonly low = (y: number): number => ask(this.lows, y, this.lowOf);
  readonly high = (y: number): number => ask(this.highs, y, this.highOf);

  /**
   * Whether `heights` gives every answer recorded here. Map keys compare rows as SameValueZero, so 0 and −0 share an
   * entry: the worker's heights (person-heights.ts) clamp rows into the frame first (Math.max(0, −0) is 0), so both
   * rows get the same answer. A NaN answer never equals itself, so it only ever makes the plan be planned again.
   */
  sameFor(heights: PersonHeights): boolean {
    for (const [y, h] of this.lows) if (heights.low(y) !== h) return false;
    for (const [y, h] of this.highs) if (heights.high(y) !== h) return false;
    return true;
  }
}

function ask(answers: Map<number, number>, y: number, compute: (y: number) => number): number {
  let h = answers.get(y);
  if (h === undefined) {
    h = compute(y);
    answers.set(y, h);
  }
  return h;
}

export interface MemoPlan {
  plan: CropPlan;
  /** The plan as JSON: two plans are the same when their keys are. */
  key: string;
}

/** Plannings kept: enough for heights flipping at a few rows, few enough that checking them stays cheap. */
export const PLANS_KEPT = 8;

/** The plans of one set of options (everything but the heights); a new set of options needs a new PlanMemo. */
export class PlanMemo {
  /** The latest planning first. */
  private readonly kept: { asked: AskedHeights; result: MemoPlan }[] = [];
  /** Plannings done and avoided (for tests and benchmarks). */
  planned = 0;
  replayed = 0;

  constructor(private readonly options: Omit<PlanOptions, 'heights'>) {}

  plan(heights: PersonHeights): MemoPlan {
    const i = this.kept.findIndex((k) => k.asked.sameFor(heights));
    if (i >= 0) {
      const [hit] = this.kept.splice(i, 1);
      this.kept.unshift(hit);
      this.replayed += 1;
      return hit.result;
    }
    const asked = new AskedHeights(heights);
    const plan = planCrops({ ...this.options, heights: asked });
    this.planned += 1;
    this.kept.unshift({ asked, result: { plan, key: JSON.stringify(plan) } });
    if (this.kept.length > PLANS_KEPT) this.kept.pop();
    return this.kept[0].result;
  }
}
