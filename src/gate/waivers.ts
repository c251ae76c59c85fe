// Waivers: accepted risks read from --waivers, matched to findings, and judged against the scan's clock.

import { readCheckedDocument, InvalidDocument } from "../config/config.js";
import type { Finding, Waiver } from "../engine/types.js";
import { InputError } from "../errors.js";

export type WaiverState = "active" | "expired" | "stale";

const DAY_MS = 24 * 60 * 60 * 1000;

/** The policy id format of schemas/policy.schema.json: a waiver for anything else could never match. */
const POLICY_ID = /^[A-Z][A-Z0-9]*-[A-Z]{2,6}-[0-9]{3}$/;

/** Warn about waivers that stop applying within this many days, unless told otherwise. */
export const DEFAULT_WARN_EXPIRING_DAYS = 14;

/**
 * The instant a waiver stops applying, epoch ms. A date (YYYY-MM-DD) covers that whole day in UTC, so
 * `expires: 2026-06-30` still applies at 2026-06-30T23:59:59Z and no longer at 2026-07-01T00:00:00Z.
 */
export function waiverEndsAt(expires: string): number {
  return /^\d{4}-\d{2}-\d{2}$/.test(expires) ? Date.parse(`${expires}T00:00:00Z`) + DAY_MS : Date.parse(expires);
}

export function isExpired(waiver: Pick<Waiver, "expires">, asOf: number): boolean {
  return asOf >= waiverEndsAt(waiver.expires);
}

/** Whole days (rounded up) from asOf until the waiver stops applying. */
export function daysLeft(waiver: Pick<Waiver, "expires">, asOf: number): number {
  return Math.ceil((waiverEndsAt(waiver.expires) - asOf) / DAY_MS);
}

/** Policy must match exactly; snapshot and subject, when the waiver names them. */
export function waiverMatches(waiver: Waiver, finding: Pick<Finding, "policyId" | "snapshot" | "subject">): boolean {
  return (
    waiver.policy === finding.policyId &&
    (waiver.snapshot === undefined || waiver.snapshot === finding.snapshot) &&
    (waiver.subject === undefined || waiver.subject === finding.subject)
  );
}

/** How narrowly a waiver is scoped: when several match a finding, the narrowest one is the one shown. */
export function specificity(waiver: Waiver): number {
  return (waiver.subject !== undefined ? 2 : 0) + (waiver.snapshot !== undefined ? 1 : 0);
}

/** "CA-ACC-001 (snapshot prod, subject users/u-42; waivers.yaml:3:5)": enough to find the waiver in its file. */
export function describeWaiver(waiver: Waiver): string {
  const scope = [
    ...(waiver.snapshot !== undefined ? [`snapshot ${waiver.snapshot}`] : []),
    ...(waiver.subject !== undefined ? [`subject ${waiver.subject}`] : []),
  ];
  const loc = waiver.location ? `${waiver.location.path}:${waiver.location.line}:${waiver.location.column}` : "";
  const inside = [scope.length ? scope.join(", ") : "every snapshot and subject", ...(loc ? [loc] : [])].join("; ");
  return `${waiver.policy} (${inside})`;
}

const BLANK_HINT = {
  snapshot: "name a snapshot (metadata.name) or leave the field out",
  subject: "name a subject (users/u-42, endpoints/metrics, snapshot) or leave the field out",
  reason: "say why the risk is accepted",
  owner: "say who accepted it",
};

/** Read a waivers file (YAML or JSON: `waivers: [...]`, or a top-level list). Throws InvalidDocument, with positions. */
export async function loadWaivers(file: string): Promise<Waiver[]> {
  const doc = await readCheckedDocument(file, { schema: "waivers", noun: "waivers file", wrapList: "waivers", empty: { waivers: [] } });
  const entries = (doc.value as { waivers: Waiver[] }).waivers;
  const problems: InputError[] = [];
  const waivers: Waiver[] = entries.map((entry, index) => {
    if (!POLICY_ID.test(entry.policy)) {
      problems.push(new InputError(`\`waivers.${index}.policy\` must be a policy id such as CA-ACC-001, got "${entry.policy}"`, { file, ...doc.position(["waivers", index, "policy"]) }));
    }
    for (const field of ["snapshot", "subject", "reason", "owner"] as const) {
      if (entry[field]?.trim() === "") {
        problems.push(new InputError(`\`waivers.${index}.${field}\` must not be blank: ${BLANK_HINT[field]}`, { file, ...doc.position(["waivers", index, field]) }));
      }
    }
    const at = doc.position(["waivers", index]);
    return {
      policy: entry.policy,
      ...(entry.snapshot !== undefined ? { snapshot: entry.snapshot } : {}),
      ...(entry.subject !== undefined ? { subject: entry.subject } : {}),
      reason: entry.reason.trim(),
      owner: entry.owner.trim(),
      expires: entry.expires,
      location: { path: file, line: at.line, column: at.column },
    };
  });
  if (problems.length) throw new InvalidDocument(problems);
  return waivers;
}

/** The run-level warning for a waiver that needs attention, or undefined. */
export function waiverWarning(
  waiver: Waiver & { state: WaiverState; matched: number },
  asOf: number,
  warnWithinDays: number,
  policyRan: boolean,
): string | undefined {
  const who = `owner ${waiver.owner}`;
  if (waiver.state === "expired") {
    const hits = waiver.matched === 1 ? "the 1 finding it matches fails" : `the ${waiver.matched} findings it matches fail`;
    return `EXPIRED waiver ${describeWaiver(waiver)} expired ${waiver.expires} (${who}): it no longer applies, ${hits} again; renew or remove it`;
  }
  if (waiver.state === "stale") {
    const why = policyRan ? "" : ` (policy ${waiver.policy} did not run in this scan)`;
    return `stale waiver ${describeWaiver(waiver)} matches no finding${why}: remove it or correct its policy, snapshot or subject`;
  }
  const days = daysLeft(waiver, asOf);
  if (warnWithinDays > 0 && days <= warnWithinDays) {
    return `waiver ${describeWaiver(waiver)} expires ${waiver.expires}, in ${days} day${days === 1 ? "" : "s"} (${who}): renew it or fix the ${waiver.matched === 1 ? "finding" : `${waiver.matched} findings`}`;
  }
  return undefined;
}
