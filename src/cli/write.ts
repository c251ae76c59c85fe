// Writing report files whole or not at all: every file goes to a temporary name, then is renamed over the old one.

import fsSync, { constants, promises as fs } from "node:fs";
import { dirname, join } from "node:path";
import { UsageError } from "../errors.js";
import { describeFsError } from "../source/text.js";

/** Make sure the output folder exists and is writable, before any scanning starts. */
export async function prepareOutputDir(dir: string): Promise<void> {
  try {
    await fs.mkdir(dir, { recursive: true });
    const stat = await fs.stat(dir);
    if (!stat.isDirectory()) throw Object.assign(new Error("not a folder"), { code: "ENOTDIR" });
    await fs.access(dir, constants.W_OK);
    // access() says yes to root where nothing can be written (sysfs, some read-only mounts): write to find out.
    const probe = join(dir, `.chataudit-probe.${process.pid}.tmp`);
    await fs.writeFile(probe, "", { flag: "w" });
    await fs.rm(probe, { force: true });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const reason = code === "ENOTDIR" || code === "EEXIST" ? "is a file, expected a folder" : describeFsError(e);
    throw new UsageError(`--output ${dir}: ${reason}`);
  }
}

/** The encoding buffer: text is encoded into it piece by piece, so no report ever exists as one big buffer. */
const WRITE_BUFFER_BYTES = 1 << 20;
// A UTF-16 code unit is at most 3 bytes of UTF-8 (a surrogate pair, 2 units, is 4), so this many always fit.
const PIECE_CHARS = Math.floor(WRITE_BUFFER_BYTES / 3);

/** Text, or its pieces in order: a large report is written as it is rendered, never held whole. */
export type FileContent = string | Iterable<string>;

const isHighSurrogate = (code: number) => code >= 0xd800 && code <= 0xdbff;

/**
 * Encode the pieces into one reused buffer and write it whenever it fills. Pieces are best small and flat
 * (one JSON.stringify each): a string built by `+=` from thousands of parts costs more to flatten than to
 * encode. Synchronous on purpose: an awaited write per buffer (a thread-pool round trip, then a promise)
 * cost more than the encoding; nothing else runs meanwhile.
 */
function writeText(fd: number, content: FileContent): void {
  const buffer = Buffer.allocUnsafe(WRITE_BUFFER_BYTES);
  let used = 0;
  const flush = () => {
    // Through the module object, read at each call: a test can stand in for a full disk.
    for (let done = 0; done < used; ) done += fsSync.writeSync(fd, buffer, done, used - done);
    used = 0;
  };
  // Never split a surrogate pair, between pieces or between chunks: each half alone would become U+FFFD.
  let carry = "";
  for (const chunk of typeof content === "string" ? [content] : content) {
    const text = carry === "" ? chunk : carry + chunk;
    let end = text.length;
    carry = end > 0 && isHighSurrogate(text.charCodeAt(end - 1)) ? text.slice(end - 1) : "";
    end -= carry.length;
    if (end <= PIECE_CHARS) {
      if (used + end * 3 > WRITE_BUFFER_BYTES) flush();
      used += buffer.write(end === text.length ? text : text.slice(0, end), used, "utf8");
      continue;
    }
    for (let start = 0; start < end; ) {
      let stop = Math.min(end, start + PIECE_CHARS);
      if (stop < end && isHighSurrogate(text.charCodeAt(stop - 1))) stop -= 1;
      if (used + (stop - start) * 3 > WRITE_BUFFER_BYTES) flush();
      used += buffer.write(text.slice(start, stop), used, "utf8");
      start = stop;
    }
  }
  if (carry) {
    if (used + 3 > WRITE_BUFFER_BYTES) flush();
    used += buffer.write(carry, used, "utf8");
  }
  flush();
}

/** Write one file atomically: a crash or error leaves the previous file in place. */
export async function writeFileAtomic(path: string, content: FileContent): Promise<void> {
  const tmp = join(dirname(path), `.${Math.random().toString(36).slice(2)}.${process.pid}.tmp`);
  try {
    const fd = fsSync.openSync(tmp, "w", 0o644);
    try {
      writeText(fd, content);
    } finally {
      fsSync.closeSync(fd);
    }
    await fs.rename(tmp, path);
  } catch (e) {
    await fs.rm(tmp, { force: true }).catch(() => undefined);
    throw new UsageError(`cannot write ${path}: ${describeFsError(e)}`);
  }
}

/**
 * Write several files, each atomically. String contents are rendered before the first file is written;
 * an iterable content is rendered while its own file is written (only the JSON report, which cannot fail to render).
 */
export async function writeAllAtomic(files: { path: string; content: FileContent }[]): Promise<void> {
  for (const f of files) await writeFileAtomic(f.path, f.content);
}
