// A policy as written in policies/<category>/<ID>-<slug>.yaml.
// schemas/policy.schema.json is the source of truth; a test keeps this type honest.

export const SEVERITIES = ["info", "low", "medium", "high", "critical"] as const;
export type Severity = (typeof SEVERITIES)[number];

export const CATEGORIES = [
  "updates", "backup", "access", "endpoints", "retention",
  "monitoring", "audit", "training", "feedback", "encryption",
] as const;
export type Category = (typeof CATEGORIES)[number];

export const FRAMEWORKS = ["iso27001-2022", "soc2-2017", "nist-800-53-r5", "cis-controls-v8", "gb-t-22239-2019"] as const;
export type Framework = (typeof FRAMEWORKS)[number];

/** A JSON Logic rule: a literal, or an object with exactly one operator key. */
export type Rule = unknown;

export type ParamValue = number | string | boolean | string[] | number[];

/** Snapshot fragments that must pass / fail, evaluated at `asOf` (default EXAMPLES_AS_OF). */
export interface PolicyExamples {
  asOf?: string;
  pass: Record<string, unknown>[];
  fail: Record<string, unknown>[];
}

export interface Policy {
  apiVersion: "chataudit/v1";
  kind: "Policy";
  id: string;
  title: string;
  category: Category;
  severity: Severity;
  description: string;
  rationale: string;
  remediation: string;
  references: string[];
  frameworks: Partial<Record<Framework, string[]>>;
  tags?: string[];
  /** Platforms this policy applies to; absent means every platform. */
  platforms?: string[];
  params?: Record<string, ParamValue>;
  /** Dotted path of an array in the snapshot: the policy is evaluated once per item. */
  select?: string;
  /** Field of a selected item that identifies it (default: id, then name, then username, then the index). */
  subjectKey?: string;
  /** Applicability filter: items (or the snapshot) for which it is false are not evaluated. */
  where?: Rule;
  /** Named values computed per subject before the assertion, available as {"var": "computed.<name>"}. */
  compute?: Record<string, Rule>;
  /** True means compliant. */
  assert: Rule;
  /** Dotted snapshot paths that must be present, else the result is not-evaluated. */
  requires?: string[];
  /** What each item (or the snapshot) must record to be judged: a path that must be present, or a rule that must hold. */
  evidence?: (string | EvidenceRule)[];
  /** Handlebars template; sees the subject's fields, params.*, computed.* and snapshot.*. */
  message: string;
  /** Field (relative to the subject) the finding points at; default: the first field the assertion reads. */
  locate?: string;
  examples: PolicyExamples;
  /** Translations of the human text, by language tag (see LANGUAGES). */
  i18n?: Partial<Record<Exclude<Language, "en">, PolicyTranslation>>;
}

/** Languages reports and policy text come in; "en" is the text of the policy itself. */
export const LANGUAGES = ["en", "zh-CN"] as const;
export type Language = (typeof LANGUAGES)[number];

/** The translated fields of a policy; message is a Handlebars template over the same variables. */
export interface PolicyTranslation {
  title: string;
  description: string;
  rationale: string;
  remediation: string;
  message: string;
}

/** Evidence a path cannot name: one of several fields, or a value that must be understood (a URL's scheme). */
export interface EvidenceRule {
  rule: Rule;
  /** What the rule asks for, as a not-evaluated reason shows it. */
  describe: string;
}

/** A policy as loaded: the parsed document plus where it came from. */
export interface LoadedPolicy {
  policy: Policy;
  /** Policy file path as given. */
  path: string;
  /** 1-based line of each top-level key, for error messages. */
  lines: Record<string, number>;
}

/** Clock for policy examples that do not set their own. */
export const EXAMPLES_AS_OF = "2026-06-01T00:00:00Z";
