// Retention durations as each platform writes them, normalised to days (null = kept forever).

const MS_PER_DAY = 86_400_000;
const SECONDS_PER_DAY = 86_400;

/** Days, rounded to 6 decimals so that "36h" is 1.5 and not 1.4999999. */
function days(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}

const SYNAPSE_UNITS_MS: Record<string, number> = {
  ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: MS_PER_DAY, w: 7 * MS_PER_DAY, y: 365 * MS_PER_DAY,
};

/**
 * Synapse's parse_duration: an integer is milliseconds; a string is an integer with an optional unit
 * ms, s, m (minutes), h, d, w or y (365 days). Undefined when the value is not a duration.
 */
export function synapseDurationDays(value: unknown): number | undefined {
  if (typeof value === "number") return Number.isFinite(value) && value >= 0 ? days(value / MS_PER_DAY) : undefined;
  if (typeof value !== "string") return undefined;
  const match = /^\s*(\d+)\s*(ms|s|m|h|d|w|y)?\s*$/.exec(value);
  if (!match) return undefined;
  const unit = SYNAPSE_UNITS_MS[match[2] ?? "ms"]!;
  return days((Number(match[1]) * unit) / MS_PER_DAY);
}

const PROSODY_UNITS_S: Record<string, number> = {
  d: SECONDS_PER_DAY, w: 7 * SECONDS_PER_DAY, m: 31 * SECONDS_PER_DAY, y: 365.2425 * SECONDS_PER_DAY,
};

/**
 * Prosody's expiry periods (mod_mam, mod_muc_mam): a number is seconds; a string is a number followed by
 * an optional d, w, m (31 days) or y (365.2425 days), matched on the first letter as Prosody does
 * ("1 week" is a week, "1 hour" is one second), "never" means kept forever (null). Undefined when unreadable.
 */
export function prosodyPeriodDays(value: unknown): number | null | undefined {
  if (typeof value === "number") return Number.isFinite(value) && value >= 0 ? days(value / SECONDS_PER_DAY) : undefined;
  if (typeof value !== "string") return undefined;
  const text = value.trim().toLowerCase();
  if (text === "never") return null;
  // Prosody's own pattern, unanchored: a unit letter other than d, w, m or y leaves plain seconds ("1h" is 1 s).
  const match = /(\d+)\s*([dwmy]?)/.exec(text);
  if (!match) return undefined;
  const unit = match[2] ? PROSODY_UNITS_S[match[2]]! : 1;
  return days((Number(match[1]) * unit) / SECONDS_PER_DAY);
}

/** Milliseconds (Rocket.Chat's RetentionPolicy_TTL_*) to days. */
export function msToDays(ms: number): number {
  return days(ms / MS_PER_DAY);
}

/** Hours (Mattermost's *RetentionHours) to days. */
export function hoursToDays(hours: number): number {
  return days(hours / 24);
}

/**
 * An ISO date-time from epoch milliseconds (the platforms' user exports), undefined for missing or
 * impossible values; 0 means "never" and becomes null.
 */
export function isoFromMs(ms: unknown): string | null | undefined {
  const n = typeof ms === "string" && /^\d+$/.test(ms) ? Number(ms) : ms;
  if (typeof n !== "number" || !Number.isFinite(n) || n < 0) return undefined;
  if (n === 0) return null;
  const date = new Date(n);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}
