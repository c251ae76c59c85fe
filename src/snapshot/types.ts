// The normalized snapshot model (apiVersion chataudit/v1, kind Snapshot).
// schemas/snapshot.schema.json is the source of truth; test/snapshot/schema-types.test.ts keeps the two honest.

export type IsoDate = string;

export interface SnapshotMetadata {
  name: string;
  platform: string;
  collectedAt: IsoDate;
  environment?: string;
  /** Where the snapshot came from: "snapshot" (hand-written), "import:<platform>", "collect:<platform>". */
  source?: string;
  /** Which accounts `users` holds: every one (the default), or only the administrators a config names. */
  usersListed?: "all" | "admins";
}

export interface Component {
  name: string;
  version?: string;
  latestVersion?: string;
}

export interface Software {
  product?: string;
  version?: string;
  installedAt?: IsoDate;
  autoUpdate?: boolean;
  securityAlerts?: boolean;
  latestVersion?: string;
  supportEndsAt?: IsoDate;
  components?: Component[];
}

export interface BackupRun {
  id?: string;
  completedAt?: IsoDate;
  status?: "success" | "failed" | "partial";
  type?: "full" | "incremental";
  location?: { kind?: "local" | "offsite" | "cloud"; uri?: string };
  encrypted?: boolean;
}

export interface Backups {
  schedule?: { intervalHours?: number };
  runs?: BackupRun[];
  restoreTests?: { testedAt?: IsoDate; status?: "success" | "failed" }[];
}

export interface User {
  id: string;
  username?: string;
  roles?: string[];
  status?: "active" | "deactivated";
  lastActiveAt?: IsoDate | null;
  mfa?: boolean;
  employment?: "active" | "terminated" | "unknown";
  guest?: boolean;
  bot?: boolean;
}

export interface Role {
  name: string;
  permissions?: string[];
  builtIn?: boolean;
  /** Whether holding this role grants administrative rights (system-wide). */
  admin?: boolean;
}

export type EndpointKind =
  | "client" | "api" | "admin" | "federation" | "smtp" | "ldap"
  | "database" | "metrics" | "webhook" | "push" | "xmpp" | "search" | "storage";

export interface Endpoint {
  name: string;
  url?: string;
  kind?: EndpointKind;
  exposure?: "public" | "internal";
  tls?: {
    enabled?: boolean;
    minVersion?: string;
    certificateExpiresAt?: IsoDate;
    verifyCertificates?: boolean;
  };
}

export interface Retention {
  messages?: { enabled?: boolean; maxAgeDays?: number | null };
  files?: { enabled?: boolean; maxAgeDays?: number | null };
  auditLogs?: { maxAgeDays?: number | null };
}

export interface Snapshot {
  apiVersion: "chataudit/v1";
  kind: "Snapshot";
  metadata: SnapshotMetadata;
  software?: Software;
  backups?: Backups;
  users?: User[];
  roles?: Role[];
  accessReviews?: { completedAt?: IsoDate; reviewer?: string }[];
  endpoints?: Endpoint[];
  retention?: Retention;
  encryption?: { atRest?: { database?: boolean; files?: boolean } };
  monitoring?: {
    metrics?: { enabled?: boolean };
    alerts?: { metric?: "cpu" | "memory" | "network" | "disk" | "latency"; threshold?: number }[];
  };
  audit?: {
    logging?: { enabled?: boolean };
    lastSecurityAuditAt?: IsoDate;
    lastPenetrationTestAt?: IsoDate;
    incidentResponse?: { planDocumented?: boolean; lastExerciseAt?: IsoDate };
    vulnerabilities?: { id: string; severity?: string; publishedAt?: IsoDate; fixedIn?: string; fixedAt?: IsoDate }[];
  };
  training?: { onboardingRequired?: boolean; completionRate?: number; lastSessionAt?: IsoDate; supportChannel?: string };
  feedback?: { channel?: string; lastSurveyAt?: IsoDate };
  /** The native config as imported, secrets redacted, for custom policies. */
  settings?: Record<string, unknown>;
}

/** A position in a source file. Lines and columns are 1-based. */
export interface SourceLocation {
  path: string;
  line: number;
  column: number;
}

/**
 * Where each value of a snapshot came from, keyed by its dotted path in the snapshot
 * ("endpoints.2.tls.enabled", "" for the whole snapshot). Importers fill it with native config
 * lines; for hand-written snapshots it is computed lazily from the snapshot file.
 */
export interface Provenance {
  /** Locations of the requested paths; paths with no own location resolve to their nearest ancestor. */
  locate(paths: readonly string[]): Map<string, SourceLocation>;
}

/** A snapshot as loaded: the data plus where it came from. */
export interface LoadedSnapshot {
  snapshot: Snapshot;
  /** The input file as given, relative to the scan root where possible. */
  path: string;
  sha256: string;
  provenance: Provenance;
  /** Platform of the snapshot (metadata.platform, or the importer's). */
  platform: string;
  /** The native file it was imported from, when it was (same as path for single-file imports). */
  source?: string;
}
