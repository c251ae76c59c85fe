// Where the package's own files are (bundled policies, schemas, data), from src/ and from dist/ alike.

import { existsSync } from "node:fs";
import { dirname, isAbsolute, join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";

function findPackageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, "package.json")) && existsSync(join(dir, "schemas"))) return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error("chataudit: cannot find its package folder");
    dir = parent;
  }
}

export const PACKAGE_ROOT = findPackageRoot();
export const BUILTIN_POLICIES_DIR = join(PACKAGE_ROOT, "policies");
export const SCHEMAS_DIR = join(PACKAGE_ROOT, "schemas");
export const DATA_DIR = join(PACKAGE_ROOT, "data");

/** How a file is named in messages and reports: relative to `root` (default cwd) when inside it, else absolute. */
export function shownPath(abs: string, root = process.cwd()): string {
  const rel = relative(root, abs);
  return rel && !rel.startsWith("..") && !isAbsolute(rel) ? rel.split(sep).join("/") : abs;
}
