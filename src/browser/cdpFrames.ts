/**
 * What Chromium has said, over the CDP sessions of one page (its own, and one per out-of-process
 * frame), about the page's frames: which frame is whose child, and the origin of the document each
 * one holds now, from the document's execution context (`Runtime.executionContextCreated`).
 *
 * Execution contexts, not URLs, because the browser's own account is the only right one: an
 * about:blank or about:srcdoc document takes its origin from the document that created it (whatever
 * frame that was), a data: URL or a sandboxed document has an opaque origin whatever its URL says,
 * and a blob: URL's origin is its creator's. Chromium serializes an opaque origin as "://".
 */

/** The serialized origin of a CDP execution context; "null" when opaque (Chromium says "://", or nothing). */
export function cdpOrigin(origin: string | undefined): string {
  if (origin === undefined || origin === "" || origin === "://" || origin === "null") return "null";
  return origin;
}

interface FrameEntry {
  parentId: string | undefined;
  /** The origin of the frame's current document, and the context it came from (session-qualified). */
  document?: { context: string; origin: string };
}

export class FrameRegistry {
  private readonly frames = new Map<string, FrameEntry>();

  /** A frame and its parent (undefined for the top-level frame), from frameAttached, frameNavigated or the frame tree. */
  setParent(frameId: string, parentId: string | undefined): void {
    const entry = this.frames.get(frameId);
    if (entry) entry.parentId = parentId;
    else this.frames.set(frameId, { parentId });
  }

  remove(frameId: string): void {
    this.frames.delete(frameId);
  }

  /** A frame's new document: its default-world execution context (`context`, unique across sessions) and origin. */
  documentCreated(frameId: string, context: string, origin: string): void {
    const entry = this.frames.get(frameId) ?? { parentId: undefined };
    entry.document = { context, origin };
    this.frames.set(frameId, entry);
  }

  /** A context is gone; if it was a frame's current document, that frame's origin is unknown until the next one. */
  documentGone(context: string): void {
    for (const entry of this.frames.values()) if (entry.document?.context === context) delete entry.document;
  }

  isTopLevel(frameId: string): boolean {
    const entry = this.frames.get(frameId);
    return entry !== undefined && entry.parentId === undefined;
  }

  /**
   * The origins of the documents in the frames above `frameId`, parent first, top-level last;
   * undefined for one Chromium has not reported (or a chain that does not reach a top-level frame).
   */
  ancestorOrigins(frameId: string): (string | undefined)[] {
    if (!this.frames.has(frameId)) return [undefined]; // a frame Chromium has not described: nothing is known above it
    const origins: (string | undefined)[] = [];
    const seen = new Set<string>([frameId]);
    for (let id = this.frames.get(frameId)?.parentId; id !== undefined; id = this.frames.get(id)?.parentId) {
      if (seen.has(id)) return [...origins, undefined]; // a loop: not a tree Chromium sent
      seen.add(id);
      const entry = this.frames.get(id);
      if (!entry) return [...origins, undefined];
      origins.push(entry.document?.origin);
    }
    return origins;
  }
}
