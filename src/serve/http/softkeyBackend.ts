/**
 * The HTTP service's view of a Softkey. Ceremonies run one at a time, as a
 * browser runs them against one authenticator: a ceremony with user
 * verification obtains a pinUvAuthToken, and obtaining another revokes it
 * (CTAP 2.1 section 6.5.2), so two interleaved ceremonies would fail each
 * other with CTAP2_ERR_PIN_AUTH_INVALID. The queue also gives every
 * assertion its counter in the order the responses complete. A request whose
 * client left while it waited is skipped.
 */
import type { Softkey } from "../../softkey.js";
import { collectInfo } from "../../deviceInfo.js";
import type { CreationOptionsInput, RequestOptionsInput } from "../../client/optionsJSON.js";
import type { HttpBackend } from "./handlers.js";

export function softkeyBackend(softkey: Softkey): HttpBackend {
  let queue: Promise<unknown> = Promise.resolve();
  const oneAtATime = <T>(signal: AbortSignal, ceremony: () => Promise<T>): Promise<T> => {
    const result = queue.then(() => {
      signal.throwIfAborted();
      return ceremony();
    });
    queue = result.catch(() => {});
    return result;
  };
  return {
    create: (options, call) => oneAtATime(call.signal, () => softkey.create(options as CreationOptionsInput, call)),
    get: (options, call) => oneAtATime(call.signal, () => softkey.get(options as RequestOptionsInput, call)),
    listCredentials: (filter) => softkey.listCredentials(filter),
    deleteCredential: (id) => softkey.deleteCredential(id),
    info: () => collectInfo(softkey),
    signal: (name, options, call) => softkey.signal(name, options, call),
    capabilities: () => softkey.client.getClientCapabilities(),
    recordMediatedSignIn: (signIn) => softkey.client.recordMediatedSignIn(signIn),
  };
}
