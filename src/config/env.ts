type Env = Record<string, string | undefined>;

/** A bad configuration: every problem found, each naming its variable. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  - ${problems.join("\n  - ")}`);
    this.name = "ConfigError";
  }
}

/**
 * Reads environment variables for the configuration's sections. A bad value is
 * recorded as a problem (naming the variable) and the fallback used, so one
 * start reports every problem at once; `check()` throws them.
 */
export function createEnvReader(env: Env) {
  const problems: string[] = [];
  const str = (name: string, fallback: string | null): string | null => {
    const value = env[name]?.trim();
    return value === undefined || value === "" ? fallback : value;
  };
  const required = (name: string): string => {
    const value = str(name, null);
    if (value === null) problems.push(`${name} is required`);
    return value ?? "";
  };
  return {
    problems,
    str,
    required,
    /** An integer within [min, max]. */
    int(name: string, fallback: number, min: number, max: number): number {
      const raw = str(name, null);
      if (raw === null) return fallback;
      const value = Number(raw);
      if (!Number.isInteger(value) || value < min || value > max) {
        problems.push(`${name} must be an integer from ${min} to ${max}, got "${raw}"`);
        return fallback;
      }
      return value;
    },
    bool(name: string, fallback: boolean): boolean {
      const raw = str(name, null)?.toLowerCase();
      if (raw === undefined) return fallback;
      if (["1", "true", "yes"].includes(raw)) return true;
      if (["0", "false", "no"].includes(raw)) return false;
      problems.push(`${name} must be true or false, got "${raw}"`);
      return fallback;
    },
    /** A URL (or comma-separated URLs) with one of these protocols; null when unset and not required. */
    url(name: string, protocols: string[], isRequired = false): string | null {
      const raw = isRequired ? required(name) || null : str(name, null);
      if (raw === null) return null;
      for (const part of raw.split(",")) {
        try {
          const parsed = new URL(part.trim());
          if (!protocols.includes(parsed.protocol)) throw new Error();
        } catch {
          problems.push(`${name} must be a ${protocols.join(" or ")} URL, got "${part.trim()}"`);
        }
      }
      return raw;
    },
    /** A comma-separated list, empty entries dropped. */
    list(name: string): string[] {
      return (str(name, "") ?? "")
        .split(",")
        .map((s) => s.trim())
        .filter((s) => s !== "");
    },
    /** A duration such as 500ms, 5s, 2m or 1h, within [minMs, maxMs]. */
    duration(name: string, fallback: string, minMs: number, maxMs: number): number {
      const raw = str(name, fallback) ?? fallback;
      const ms = parseDuration(raw);
      if (ms === null || ms < minMs || ms > maxMs) {
        problems.push(
          `${name} must be a duration such as 500ms, 5s, 2m or 1h, from ${minMs} ms to ${maxMs} ms; got "${raw}"`,
        );
        return parseDuration(fallback) as number;
      }
      return ms;
    },
    /** Throws every problem recorded so far. */
    check(): void {
      if (problems.length > 0) throw new ConfigError(problems);
    },
  };
}

export type EnvReader = ReturnType<typeof createEnvReader>;

/** Milliseconds of "500ms", "5s", "2m", "1h"; null if it is none of those. */
export function parseDuration(text: string): number | null {
  const match = /^(\d+)(ms|s|m|h)$/.exec(text);
  if (match === null) return null;
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[match[2] as "ms" | "s" | "m" | "h"];
  return Number(match[1]) * unit;
}
