/**
 * A host could not start: its message is one line fit to print as is, e.g.
 * `cannot serve tcp:127.0.0.1:8400: listen EADDRINUSE ...`. The CLI turns it
 * into its "cannot serve" exit code; a library caller can catch it by class.
 */
export class ServeError extends Error {
  override name = "ServeError";
}
