// Users exports from the platforms' admin APIs -> snapshot users: Mattermost /api/v4/users, Synapse
// /_synapse/admin/v2/users, Rocket.Chat users.list. Native role names are kept; only chosen fields are read.

import { InputError } from "../errors.js";
import type { SourceLocation, User } from "../snapshot/types.js";
import { isoFromMs } from "./durations.js";
import { isRecord, NativeReader, parseStructuredDocument, type NativeDocument, type NativePath } from "./native.js";
import type { NativeFile } from "./types.js";

export type UsersFormat = "mattermost" | "synapse" | "rocketchat";

export interface UsersImport {
  format: UsersFormat | undefined;
  users: User[];
  /** "users.N" and "users.N.<field>" -> where in the export the value came from. */
  provenance: Map<string, SourceLocation>;
}

const EXPECTED = "a users export: a Mattermost /api/v4/users list, a Synapse /_synapse/admin/v2/users answer ({users, next_token, total}) or a Rocket.Chat users.list answer ({users})";

/** Which API a users export came from, by its shape; undefined for an empty list, which any could be. */
export function usersFormat(root: unknown): { format: UsersFormat | undefined; items: unknown[]; base: NativePath } | undefined {
  if (Array.isArray(root)) return { format: root.length ? "mattermost" : undefined, items: root, base: [] };
  if (!isRecord(root) || !Array.isArray(root.users)) return undefined;
  const first = root.users.find(isRecord);
  const format = !first ? undefined : typeof first._id === "string" ? "rocketchat" : typeof first.name === "string" ? "synapse" : typeof first.id === "string" ? "mattermost" : undefined;
  return { format, items: root.users, base: ["users"] };
}

/** Truthy as Synapse writes flags: true or 1 (older servers answer integers). */
function flag(value: unknown): boolean {
  return value === true || value === 1;
}

/** ISO date-time from an ISO string, epoch milliseconds or mongo's {"$date": ...}; null for never. */
function isoDate(value: unknown): string | null | undefined {
  if (isRecord(value) && "$date" in value) return isoDate(value.$date);
  if (typeof value === "number") return isoFromMs(value);
  if (typeof value !== "string" || value === "") return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}

export function importUsersExport(file: NativeFile): UsersImport {
  const doc = parseStructuredDocument(file, EXPECTED);
  const shape = usersFormat(doc.root);
  if (!shape) throw new InputError(`expected ${EXPECTED}`, { file: file.path, line: 1, column: 1 });
  const r: NativeReader = new NativeReader(doc);
  const provenance = new Map<string, SourceLocation>();
  const users: User[] = [];
  shape.items.forEach((item, i) => {
    const at = [...shape.base, i];
    if (!isRecord(item)) r.fail(at, "a user object");
    const mapped = shape.format === "synapse" ? synapseUser(r, at) : shape.format === "rocketchat" ? rocketchatUser(r, at) : mattermostUser(r, at);
    const index = users.length;
    users.push(mapped.user);
    record(provenance, doc, `users.${index}`, at, mapped.fields);
  });
  return { format: shape.format, users, provenance };
}

function record(provenance: Map<string, SourceLocation>, doc: NativeDocument, base: string, at: NativePath, fields: Record<string, string>): void {
  provenance.set(base, doc.locate(at));
  for (const [field, key] of Object.entries(fields)) provenance.set(`${base}.${field}`, doc.locate([...at, key]));
}

interface Mapped {
  user: User;
  /** Snapshot field -> native key it was read from. */
  fields: Record<string, string>;
}

function requiredId(r: NativeReader, path: NativePath): string {
  const id = r.str(path);
  if (!id) r.fail(path, "a non-empty user id");
  return id;
}

function mattermostUser(r: NativeReader, at: NativePath): Mapped {
  const id = requiredId(r, [...at, "id"]);
  const roles = r.str([...at, "roles"], "").split(/\s+/).filter(Boolean);
  const user: User = { id, roles, status: r.num([...at, "delete_at"], 0) > 0 ? "deactivated" : "active", guest: roles.includes("system_guest"), bot: r.bool([...at, "is_bot"], false) };
  const fields: Record<string, string> = { id: "id", roles: "roles", status: "delete_at", guest: "roles", bot: "is_bot" };
  const username = r.str([...at, "username"]);
  if (username) (user.username = username), (fields.username = "username");
  // last_activity_at is only sent with some queries; last_login is the next best evidence of activity.
  for (const key of ["last_activity_at", "last_login"]) {
    const when = isoFromMs(r.get([...at, key]));
    if (when !== undefined) {
      user.lastActiveAt = when;
      fields.lastActiveAt = key;
      break;
    }
  }
  if (r.has([...at, "mfa_active"])) (user.mfa = r.bool([...at, "mfa_active"], false)), (fields.mfa = "mfa_active");
  return { user, fields };
}

function synapseUser(r: NativeReader, at: NativePath): Mapped {
  const id = requiredId(r, [...at, "name"]);
  const userType = r.str([...at, "user_type"], "");
  const user: User = {
    id,
    username: id,
    roles: flag(r.get([...at, "admin"])) ? ["admin"] : [],
    status: flag(r.get([...at, "deactivated"])) ? "deactivated" : "active",
    guest: flag(r.get([...at, "is_guest"])) || userType === "guest",
    bot: userType === "bot",
  };
  const fields: Record<string, string> = { id: "name", username: "name", roles: "admin", status: "deactivated", guest: "is_guest", bot: "user_type" };
  const seen = r.get([...at, "last_seen_ts"]);
  // null: the server never saw the user.
  if (seen === null) (user.lastActiveAt = null), (fields.lastActiveAt = "last_seen_ts");
  else if (isoFromMs(seen) !== undefined) (user.lastActiveAt = isoFromMs(seen)), (fields.lastActiveAt = "last_seen_ts");
  return { user, fields };
}

function rocketchatUser(r: NativeReader, at: NativePath): Mapped {
  const id = requiredId(r, [...at, "_id"]);
  const roles = r.strings([...at, "roles"]);
  const type = r.str([...at, "type"], "user");
  const user: User = {
    id,
    roles,
    status: r.bool([...at, "active"], true) ? "active" : "deactivated",
    guest: roles.includes("guest"),
    bot: type === "bot" || type === "app",
  };
  const fields: Record<string, string> = { id: "_id", roles: "roles", status: "active", guest: "roles", bot: "type" };
  const username = r.str([...at, "username"]);
  if (username) (user.username = username), (fields.username = "username");
  const lastLogin = isoDate(r.get([...at, "lastLogin"]));
  if (lastLogin !== undefined) (user.lastActiveAt = lastLogin), (fields.lastActiveAt = "lastLogin");
  // Two-factor state is only in the export when the admin asked for services fields.
  const totp = r.get([...at, "services", "totp", "enabled"]);
  const email2fa = r.get([...at, "services", "email2fa", "enabled"]);
  if (typeof totp === "boolean" || typeof email2fa === "boolean") {
    user.mfa = totp === true || email2fa === true;
    fields.mfa = "services";
  }
  return { user, fields };
}
