// Replays the answers recorded from a real ejabberd 23.01 (fixtures/collectors/ejabberd/api-23.01-recorded.json).

import { fixture, type Reply, type SeenRequest } from "./recorded-server.js";

interface RecordedCall {
  command: string;
  args: Record<string, string>;
  credentials?: string;
  status: number;
  body: unknown;
}

const recorded = fixture<{ calls: RecordedCall[] }>("ejabberd", "api-23.01-recorded.json").calls;

/**
 * Answer like the recorded server: the same command with the same arguments gets the same answer; wrong
 * credentials get the recorded 401; an unknown command the server's 404. `overrides` may answer first.
 */
export function ejabberdReplay(password: string, overrides: (req: SeenRequest, command: string) => Reply | undefined = () => undefined) {
  const expected = `Basic ${Buffer.from(`admin@localhost:${password}`).toString("base64")}`;
  return (req: SeenRequest): Reply => {
    const command = req.path.replace(/^\/api\//, "");
    const override = overrides(req, command);
    if (override) return override;
    if (req.headers.authorization !== expected) {
      const denied = recorded.find((c) => c.credentials === "wrong-password")!;
      return { status: denied.status, json: denied.body };
    }
    const args = JSON.parse(req.body || "{}") as Record<string, string>;
    const hit = recorded.find((c) => !c.credentials && c.command === command && JSON.stringify(c.args) === JSON.stringify(args));
    return hit ? { status: hit.status, json: hit.body } : { status: 404, json: { status: "error", code: 40, message: "Endpoint not found." } };
  };
}
