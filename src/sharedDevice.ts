/**
 * One store open in this process, as every Softkey handle of it shares it
 * (openStores.ts keeps them by real path): a second Softkey.open gets the same
 * keystore, core, client and controls, so it must give the same device options.
 */
import { isDeepStrictEqual } from "node:util";
import type { Authenticator } from "./authenticator/device.js";
import type { WebAuthnClient } from "./client/client.js";
import type { CredentialProvider } from "./client/provider.js";
import type { SoftkeyControls } from "./controls/controls.js";
import type { CtapDevice } from "./ctap/transport.js";
import type { Keystore } from "./keystore/store.js";
import { OpenStores } from "./openStores.js";
import type { SoftkeyEvents } from "./softkeyEvents.js";
import type { DeviceSettings, OpenOptions } from "./softkeyOptions.js";
import type { TypedEvents } from "./typedEvents.js";

/** What every handle of one open store shares: the store, the core, the client with its provider, and the controls. */
export interface SharedDevice {
  keystore: Keystore;
  authenticator: Authenticator;
  device: DeviceSettings;
  damage: readonly string[];
  provider: CredentialProvider;
  clientDevice: CtapDevice;
  client: WebAuthnClient;
  controls: SoftkeyControls;
  /** The first open's device options (the passphrase is not kept), which a second open in this process must repeat. */
  options: Pick<OpenOptions, DeviceOption>;
  /** The handles open on it, whose listeners hear the store's events. */
  handles: Set<TypedEvents<SoftkeyEvents>>;
}

export const OPEN_STORES = new OpenStores<SharedDevice>((shared) => shared.keystore.close());

/** The open options that make the device what it is: a second open of a shared store must give them as the first did. */
const DEVICE_OPTIONS = ["presence", "uv", "enrollSamples", "config", "seed", "faults", "pin"] as const satisfies readonly (keyof OpenOptions)[];
type DeviceOption = (typeof DEVICE_OPTIONS)[number];

/** The device options of an open (not the passphrase: it is not kept). */
export function pickDeviceOptions(options: OpenOptions): Pick<OpenOptions, DeviceOption> {
  return Object.fromEntries(DEVICE_OPTIONS.map((name) => [name, options[name]])) as Pick<OpenOptions, DeviceOption>;
}

export function checkSameOptions(shared: SharedDevice, options: OpenOptions): void {
  for (const name of DEVICE_OPTIONS) {
    if (!isDeepStrictEqual(shared.options[name], options[name])) {
      throw new TypeError(
        `store ${shared.keystore.dir} is already open in this process with another "${name}" option: a second Softkey.open shares its device, so give the same options (softkey.controls changes the live ones)`,
      );
    }
  }
}
