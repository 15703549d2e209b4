/**
 * Runtime cost budget for CEL evaluation. The API server stops an expression whose
 * runtime cost passes a per-call limit (`PerCallLimit`, 1,000,000 units) and a policy
 * evaluation whose expressions together pass `RuntimeCELCostBudget` (10,000,000 units).
 * The library we build on has no cost tracking, so Stockade counts its own units where the
 * work happens: one per comprehension iteration (plus the size of what each step builds),
 * regex VM steps, and the sizes of lists and strings that library functions walk. The
 * units approximate, not reproduce, the API server's: an expression close to the limit may
 * be stopped by one and not the other. Evaluation is synchronous, so the active budget is
 * module state, set for the duration of one evaluation.
 */

/** The API server's per-expression limit (celconfig.PerCallLimit). */
export const PER_CALL_LIMIT = 1_000_000;
/** The API server's budget for one policy evaluation (celconfig.RuntimeCELCostBudget). */
export const RUNTIME_COST_BUDGET = 10_000_000;

export class CostLimitError extends Error {
  constructor(readonly scope: 'call' | 'total') {
    super(
      scope === 'call'
        ? 'operation cancelled: actual cost limit exceeded'
        : 'validation failed due to running out of cost budget, no further validation rules will be run',
    );
    this.name = 'CostLimitError';
  }
}

export class CostBudget {
  private total = 0;
  private call = 0;

  constructor(
    readonly perCallLimit = PER_CALL_LIMIT,
    readonly totalLimit = RUNTIME_COST_BUDGET,
  ) {}

  /** Starts a new top-level expression (the per-call count restarts; the total keeps going). */
  beginCall(): void {
    this.call = 0;
  }

  charge(units: number): void {
    this.call += units;
    this.total += units;
    if (this.call > this.perCallLimit) throw new CostLimitError('call');
    if (this.total > this.totalLimit) throw new CostLimitError('total');
  }

  get spent(): number {
    return this.total;
  }

  get spentInCall(): number {
    return this.call;
  }
}

let active: CostBudget | undefined;

/** Runs fn with `budget` as the active budget (restoring the previous one after). */
export function withBudget<T>(budget: CostBudget, fn: () => T): T {
  const previous = active;
  active = budget;
  try {
    return fn();
  } finally {
    active = previous;
  }
}

/** Charges the active budget, if any. */
export function charge(units: number): void {
  if (active) active.charge(units);
}

/** Size-proportional charge for walking a string or list (at least 1). */
export function chargeSize(size: number, perUnit = 0.1): void {
  if (active) active.charge(1 + Math.floor(size * perUnit));
}
