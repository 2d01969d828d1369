/** Limits on the work one Send's template rendering may do, over all its channels and locales. */
export interface RenderLimits {
  /** Milliseconds spent rendering. */
  maxMs: number;
  /** `{{#each}}` iterations. */
  maxIterations: number;
  /**
   * Characters of data values read. Every read counts, so a variable printed
   * a thousand times (in a loop, or written out a thousand times) counts a
   * thousand times: that is how templates amplify small data.
   */
  maxDataChars: number;
}

/** Rendering went over a limit; the message, written for the caller, says which. */
export class RenderLimitError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RenderLimitError";
  }
}

const count = (n: number) => n.toLocaleString("en-US");

// Handlebars calls helpers synchronously inside a template call, and a render
// never starts another, so the budget of the render in progress can live here:
// Herald's `each` finds it without a data variable templates could see.
let active: RenderBudget | null = null;

/** The budget of the render in progress; helpers fail outside one rather than run unbounded. */
export function activeBudget(): RenderBudget {
  if (active === null) throw new Error("a template helper ran outside a budgeted render");
  return active;
}

/**
 * What one Send's rendering may still do. Checked while rendering, by Herald's
 * `each` (iterations, output so far) and by the data view (characters read),
 * so a template that would build megabytes stops within the budget instead of
 * after it.
 */
export class RenderBudget {
  private iterations = 0;
  private dataChars = 0;
  private spentMs = 0;
  private startedAt = 0;
  /** Output characters the part being rendered may have (its rendered-size limit). */
  private maxOutput = Number.POSITIVE_INFINITY;
  /** Budgeted views of data objects, so a view keeps its identity (Handlebars compares contexts). */
  readonly views = new WeakMap<object, object>();

  constructor(readonly limits: RenderLimits) {}

  /** Runs one part's render against this budget; `maxOutput` is the part's size limit. */
  run<T>(maxOutput: number, render: () => T): T {
    if (active !== null) throw new Error("template renders do not nest");
    this.maxOutput = maxOutput;
    this.startedAt = performance.now();
    active = this;
    try {
      this.checkTime();
      return render();
    } finally {
      active = null;
      this.spentMs += performance.now() - this.startedAt;
    }
  }

  /** Counts one `{{#each}}` iteration. */
  iteration(): void {
    if (++this.iterations > this.limits.maxIterations) {
      throw new RenderLimitError(
        `exceeds the render budget of ${count(this.limits.maxIterations)} {{#each}} iterations per Send`,
      );
    }
    this.checkTime();
  }

  /**
   * Checks a loop's output so far against the part's limit. Output is at least
   * this long once the loop returns; a character is at most two UTF-16 units,
   * so past twice the limit the part surely exceeds it.
   */
  output(length: number): void {
    if (length > 2 * this.maxOutput) {
      throw new RenderLimitError(
        `renders more than ${count(this.maxOutput)} characters; the limit is ${count(this.maxOutput)}`,
      );
    }
  }

  /** Counts characters of a data value a template read. */
  read(chars: number): void {
    this.dataChars += chars;
    if (this.dataChars > this.limits.maxDataChars) {
      throw new RenderLimitError(
        `exceeds the render budget of ${count(this.limits.maxDataChars)} characters of data read per Send`,
      );
    }
    this.checkTime();
  }

  private checkTime(): void {
    if (this.spentMs + (performance.now() - this.startedAt) > this.limits.maxMs) {
      throw new RenderLimitError(`exceeds the render budget of ${count(this.limits.maxMs)} ms per Send`);
    }
  }
}
