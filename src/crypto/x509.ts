/**
 * @peculiar/x509, loaded on first use. Only the commands that make or read
 * certificates (`ca init`, `ca show`, `ca export`, `decode`) need it, and the
 * CLI's start-up time is benchmarked: importing it (with reflect-metadata and
 * its ASN.1 stack) costs more than most commands take.
 *
 * The specifiers are held in variables on purpose: esbuild then leaves these
 * imports to Node at run time instead of inlining the whole library into
 * dist/bundle/softkey.js, which every command would parse.
 */
import { webcrypto } from "node:crypto";
import type * as X509 from "@peculiar/x509";

export type X509Module = typeof X509;

const REFLECT_METADATA = "reflect-metadata";
const PECULIAR_X509 = "@peculiar/x509";

let loading: Promise<X509Module> | undefined;

export function loadX509(): Promise<X509Module> {
  loading ??= (async () => {
    // tsyringe, inside @peculiar/x509, needs the Reflect metadata API before it loads.
    await import(REFLECT_METADATA);
    const x509 = (await import(PECULIAR_X509)) as X509Module;
    x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);
    return x509;
  })();
  return loading;
}
