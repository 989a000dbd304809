const NEWLINE = 0x0a;

/** A line as it came: `bytes` exactly as the tool wrote them (with the newline, when it had one). */
export interface RawLine {
  bytes: Buffer;
  /** The line decoded as UTF-8, without its newline; absent for a fragment passed on unparsed. */
  text?: string;
}

export interface LineSplitterOptions {
  /** A line longer than this is not output the bridge parses: it is passed on in pieces as it comes. */
  maxLineBytes?: number;
}

/**
 * Splits a byte stream into lines as chunks arrive, keeping each line's bytes untouched. A partial
 * line can be released early with `releasePartial()` (a prompt waiting for input has no newline);
 * the rest of that line then follows unparsed.
 */
export class LineSplitter {
  readonly #maxLineBytes: number;
  #pending: Buffer[] = [];
  #pendingBytes = 0;
  /** The current line was already partly passed on: the rest goes through unparsed. */
  #continuing = false;

  constructor(options: LineSplitterOptions = {}) {
    this.#maxLineBytes = options.maxLineBytes ?? 1024 * 1024;
  }

  get hasPartial(): boolean {
    return this.#pendingBytes > 0;
  }

  push(chunk: Buffer): RawLine[] {
    const lines: RawLine[] = [];
    let start = 0;
    for (let nl = chunk.indexOf(NEWLINE, start); nl !== -1; nl = chunk.indexOf(NEWLINE, start)) {
      this.#pending.push(chunk.subarray(start, nl + 1));
      lines.push(this.#take(true));
      start = nl + 1;
    }
    if (start < chunk.length) {
      this.#pending.push(chunk.subarray(start));
      this.#pendingBytes += chunk.length - start;
      if (this.#pendingBytes > this.#maxLineBytes) lines.push(...this.releasePartial());
    }
    return lines;
  }

  /** Passes on the partial line as it is, unparsed. */
  releasePartial(): RawLine[] {
    if (this.#pendingBytes === 0) return [];
    const bytes = Buffer.concat(this.#pending);
    this.#pending = [];
    this.#pendingBytes = 0;
    this.#continuing = true;
    return [{ bytes }];
  }

  /** The last line when the stream ended without a newline. */
  end(): RawLine[] {
    return this.#pendingBytes > 0 ? [this.#take(false)] : [];
  }

  #take(withNewline: boolean): RawLine {
    const bytes = Buffer.concat(this.#pending);
    this.#pending = [];
    this.#pendingBytes = 0;
    if (this.#continuing) {
      this.#continuing = false;
      return { bytes };
    }
    const body = withNewline ? bytes.subarray(0, bytes.length - 1) : bytes;
    return { bytes, text: body.toString('utf8').replace(/\r$/, '') };
  }
}
