// The learning rate η of θ ← θ − η·ḡ: a constant, or a schedule η(step). train() and the sweeps take
// a LearningRate; schedules.ts builds schedules, scaling.ts says how η follows the batch size.

import { checkPositiveFinite } from "../util/validate";

/** η(step), step counted from 0 (a LearningRate that changes during training). */
export type Schedule = (step: number) => number;

/** A constant learning rate, or a schedule η(step) with step counted from 0. */
export type LearningRate = number | Schedule;

/** η at a step (counted from 0), checked: a schedule that returns 0, a negative or a non-finite rate fails naming the step. */
export function learningRateAt(lr: LearningRate, step: number): number {
  const value = typeof lr === "function" ? lr(step) : lr;
  checkPositiveFinite(typeof lr === "function" ? `lr(${step})` : "lr", value);
  return value;
}
