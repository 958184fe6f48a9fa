/**
 * The ceremonies pages have under way, by frame and the page's call id, so the
 * page's AbortSignal (an "abort" request) and detach() can end them. A frame
 * is whatever object the adapter names the calling document by.
 */
export class InFlightCeremonies {
  private readonly byFrame = new Map<object, Map<string, AbortController>>();

  /** Registers a ceremony; its signal aborts when the page or detach() ends it. */
  start(frame: object, id: string): AbortSignal {
    const controller = new AbortController();
    let controllers = this.byFrame.get(frame);
    if (!controllers) this.byFrame.set(frame, (controllers = new Map()));
    controllers.set(id, controller);
    return controller.signal;
  }

  end(frame: object, id: string): void {
    const controllers = this.byFrame.get(frame);
    controllers?.delete(id);
    if (controllers?.size === 0) this.byFrame.delete(frame);
  }

  /** Aborts one ceremony; false when there is none (it already ended). */
  abort(frame: object, id: string, reason: Error): boolean {
    const controller = this.byFrame.get(frame)?.get(id);
    controller?.abort(reason);
    return controller !== undefined;
  }

  abortAll(reason: () => Error): void {
    for (const controllers of this.byFrame.values()) {
      for (const controller of controllers.values()) controller.abort(reason());
    }
  }
}
