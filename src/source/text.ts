// Reading input files: size limit, strict UTF-8, sha256, and offset -> line/column.

import { isUtf8 } from "node:buffer";
import * as crypto from "node:crypto";
import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from "node:fs";
import { InputError } from "../errors.js";

/** Default limit on one input file; --max-file-size overrides it. */
export const DEFAULT_MAX_FILE_BYTES = 256 * 1024 * 1024;

export interface SourceText {
  path: string;
  text: string;
  sha256: string;
  bytes: number;
}


/** Read a file as strict UTF-8 (a BOM is dropped). Throws InputError naming the file. */
export async function readSourceText(path: string, displayPath = path, maxBytes = DEFAULT_MAX_FILE_BYTES): Promise<SourceText> {
  return decodeSource(readFileBytes(path, displayPath, maxBytes), displayPath);
}

/**
 * The bytes of a regular file no larger than maxBytes. Synchronous on purpose: one call each instead of a
 * thread-pool round trip per 512 KiB, which for 2,000 small snapshots or one of 250 MB is most of the reading
 * time; nothing else waits on it. One open, one fstat, the reads, one close: opened non-blocking, a FIFO
 * found in a folder cannot hang the scan before fstat says what it is.
 */
function readFileBytes(path: string, displayPath: string, maxBytes: number): Buffer {
  let fd: number | undefined;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
    const stat = fstatSync(fd);
    const notAFile = notARegularFile(stat);
    if (notAFile) throw new InputError(notAFile, { file: displayPath });
    if (stat.size > maxBytes) {
      throw new InputError(
        `file is ${formatBytes(stat.size)}, larger than the limit of ${formatBytes(maxBytes)} (raise it with --max-file-size)`,
        { file: displayPath },
      );
    }
    // What fstat said, and no more: a file still being written is read as it was when opened.
    const buffer = Buffer.allocUnsafe(stat.size);
    let filled = 0;
    while (filled < buffer.length) {
      const read = readSync(fd, buffer, filled, buffer.length - filled, null);
      if (read === 0) break;
      filled += read;
    }
    return filled === buffer.length ? buffer : buffer.subarray(0, filled);
  } catch (e) {
    if (e instanceof InputError) throw e;
    // open() refuses a Unix socket with ENXIO: it is no more a file than a FIFO is.
    if ((e as NodeJS.ErrnoException)?.code === "ENXIO") throw new InputError(PIPE_SOCKET_OR_DEVICE, { file: displayPath });
    throw new InputError(`cannot read file: ${describeFsError(e)}`, { file: displayPath });
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

const PIPE_SOCKET_OR_DEVICE = "is a pipe, socket or device, expected a regular file";

/**
 * Why a path cannot be read as an input, or undefined for a regular file. A pipe, socket or device
 * (a FIFO left in a scanned folder, /dev/zero named on the command line) would block or never end.
 */
export function notARegularFile(stat: Stats): string | undefined {
  if (stat.isDirectory()) return "is a folder, expected a file";
  if (!stat.isFile()) return PIPE_SOCKET_OR_DEVICE;
  return undefined;
}

export function decodeSource(buffer: Buffer, displayPath: string): SourceText {
  // Buffer's decoder (twice as fast as a fatal TextDecoder) turns invalid bytes into U+FFFD without a word. A
  // text without U+FFFD had none, and for a file that decodes to Latin-1 alone (nearly every snapshot) V8
  // answers that without reading it; only a text with U+FFFD, written or made, has its bytes checked.
  let text = buffer.toString("utf8");
  if (text.includes("\uFFFD") && !isUtf8(buffer)) {
    const at = firstInvalidUtf8(buffer);
    const { line, column } = lineColumnOfBytes(buffer, at);
    throw new InputError("invalid UTF-8: the file is binary or in another encoding", { file: displayPath, line, column });
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  return { path: displayPath, text, sha256: sha256(buffer), bytes: buffer.length };
}

/**
 * The reason of a JSON.parse error without its position and without the excerpt of the text V8 quotes
 * (`Unexpected token 'C', ..."Source": CANARY}" is not valid JSON`): that excerpt may hold a secret.
 */
export function jsonSyntaxReason(message: string): string {
  return message
    .replace(/^JSON\.parse: /, "")
    // V8 quotes the text around the error, with "..." on either side when it cuts it short.
    .replace(/, (\.\.\.)?".*"(\.\.\.)? is not valid JSON$/s, "")
    .replace(/ (in JSON )?at position \d+.*$/s, "")
    .replace(/\s*\(line \d+ column \d+\)$/, "");
}

// crypto.hash (Node 20.12+) hashes in one call, without a Hash object: for 2,000 small snapshots that is most of the cost.
const oneShotHash = (crypto as { hash?: (algorithm: string, data: Uint8Array | string) => string }).hash;

/** The sha256 of bytes or a string (as UTF-8), in hex: input hashes, fingerprints, the precompiled pack's files. */
export function sha256(data: Uint8Array | string): string {
  return oneShotHash ? oneShotHash("sha256", data) : crypto.createHash("sha256").update(data).digest("hex");
}

export function formatBytes(n: number): string {
  if (n >= 1024 * 1024) return `${(n / 1024 / 1024).toFixed(1)} MiB`;
  if (n >= 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${n} bytes`;
}

export function describeFsError(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  switch (err?.code) {
    case "ENOENT": return "no such file";
    case "EACCES":
    case "EPERM": return "permission denied";
    case "EISDIR": return "is a folder, expected a file";
    case "ELOOP": return "too many levels of symbolic links";
    default: return err?.code ? `${err.code.toLowerCase()}` : String(err?.message ?? e);
  }
}

/**
 * Offset of the first byte that does not begin a well-formed UTF-8 sequence (the Unicode Standard's table
 * 3-7: no overlong forms, no surrogates, nothing past U+10FFFF), in one pass however large the file.
 */
function firstInvalidUtf8(buffer: Buffer): number {
  for (let i = 0; i < buffer.length; ) {
    const lead = buffer[i]!;
    if (lead < 0x80) {
      i += 1;
      continue;
    }
    const length = lead >= 0xc2 && lead <= 0xdf ? 2 : lead >= 0xe0 && lead <= 0xef ? 3 : lead >= 0xf0 && lead <= 0xf4 ? 4 : 0;
    if (length === 0 || i + length > buffer.length) return i;
    const second = buffer[i + 1]!;
    const low = lead === 0xe0 ? 0xa0 : lead === 0xf0 ? 0x90 : 0x80;
    const high = lead === 0xed ? 0x9f : lead === 0xf4 ? 0x8f : 0xbf;
    if (second < low || second > high) return i;
    for (let k = 2; k < length; k += 1) if ((buffer[i + k]! & 0xc0) !== 0x80) return i;
    i += length;
  }
  return buffer.length;
}

/** Line and column (in characters, as everywhere else) of a byte offset; the bytes before it are valid UTF-8. */
function lineColumnOfBytes(buffer: Buffer, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = buffer.indexOf(0x0a); i !== -1 && i < offset; i = buffer.indexOf(0x0a, i + 1)) {
    line += 1;
    lineStart = i + 1;
  }
  return { line, column: buffer.subarray(lineStart, offset).toString("utf8").length + 1 };
}

/**
 * 1-based line and column of many offsets of one text, in a single sweep that counts newlines only up
 * to the last offset asked for: no table of every line start (a 250 MB snapshot has millions of lines).
 */
export function positionsAt(text: string, offsets: Iterable<number>): Map<number, { line: number; column: number }> {
  // A typed array sorts numerically in native code, without a comparator called for each comparison.
  const sorted = Float64Array.from(offsets).sort();
  const out = new Map<number, { line: number; column: number }>();
  let line = 1;
  let lineStart = 0;
  let newline = text.indexOf("\n");
  for (let i = 0; i < sorted.length; i += 1) {
    const offset = sorted[i]!;
    if (i > 0 && offset === sorted[i - 1]) continue;
    while (newline !== -1 && newline < offset) {
      line += 1;
      lineStart = newline + 1;
      newline = text.indexOf("\n", lineStart);
    }
    out.set(offset, { line, column: offset - lineStart + 1 });
  }
  return out;
}

/** Maps character offsets of one text to 1-based line and column; built once per text, lazily. */
export class LineIndex {
  private starts: number[] | null = null;
  constructor(private readonly text: string) {}

  private build(): number[] {
    const starts = [0];
    const t = this.text;
    let i = t.indexOf("\n");
    while (i !== -1) {
      starts.push(i + 1);
      i = t.indexOf("\n", i + 1);
    }
    return starts;
  }

  position(offset: number): { line: number; column: number } {
    const starts = (this.starts ??= this.build());
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - starts[lo]! + 1 };
  }
}
