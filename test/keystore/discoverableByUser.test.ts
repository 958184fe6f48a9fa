/**
 * Keystore.findDiscoverable, which makeCredential uses to replace a user's discoverable credential:
 * it must give what a scan of the RP gives, whatever was written, moved, deleted or reset since
 * its map of the RP was built, and across a reopen (when nothing is mapped).
 */
import { afterEach, describe, expect, it } from "vitest";
import { Keystore } from "../../src/keystore/index.js";
import { FAST_SCRYPT, PASSPHRASE, makeCredential, removeTempDirs, rpIdHash, tempStoreDir } from "./helpers.js";

afterEach(removeTempDirs);

const user = (n: number) => ({ id: Uint8Array.of(0x75, n), name: `user${n}` });

/** What a scan finds for this user: the oracle the index must agree with. */
async function scanned(ks: Keystore, rpId: string, userId: Uint8Array): Promise<string | undefined> {
  const { credentials } = await ks.scanCredentials(rpIdHash(rpId));
  const hit = credentials.find((c) => c.discoverable && c.user && Buffer.compare(c.user.id, userId) === 0);
  return hit && Buffer.from(hit.id).toString("hex");
}

async function found(ks: Keystore, rpId: string, userId: Uint8Array): Promise<string | undefined> {
  const record = await ks.findDiscoverable(rpIdHash(rpId), userId);
  return record && Buffer.from(record.id).toString("hex");
}

describe("Keystore.findDiscoverable", () => {
  it("agrees with a scan of the RP through writes, replacements, moves, deletes, a reset and a reopen", async () => {
    const dir = tempStoreDir();
    let ks = await Keystore.create(dir, PASSPHRASE, { scrypt: FAST_SCRYPT });
    const check = async (label: string) => {
      for (const rp of ["a.example", "b.example"]) {
        for (let n = 0; n < 4; n++) expect(await found(ks, rp, user(n).id), `${label}: ${rp} user${n}`).toBe(await scanned(ks, rp, user(n).id));
      }
    };
    const alice = makeCredential("a.example", { discoverable: true, user: user(0) });
    const bob = makeCredential("a.example", { discoverable: true, user: user(1) });
    const nonDiscoverable = makeCredential("a.example", { discoverable: false, user: { id: user(2).id } });
    await ks.putCredential(alice);
    await check("before the RP is mapped");
    await ks.putCredential(bob);
    await ks.putCredential(nonDiscoverable);
    await check("written after it was mapped");
    // The same ID filed again under another RP: it leaves a.example's map.
    await ks.putCredential({ ...bob, rpId: "b.example", rpIdHash: rpIdHash("b.example") });
    await check("moved to another RP");
    await ks.putCredentials([makeCredential("b.example", { discoverable: true, user: user(3) }), makeCredential("a.example", { discoverable: true, user: user(3) })]);
    await check("written in bulk");
    await ks.updateCredential({ ...alice, discoverable: false });
    await check("updated to non-discoverable");
    await ks.deleteCredential(alice.id);
    await check("deleted");
    await ks.close();
    ks = await Keystore.open(dir, PASSPHRASE);
    await check("after a reopen");
    await ks.resetAuthenticator();
    await check("after a reset");
    expect(await found(ks, "a.example", user(3).id)).toBeUndefined();
    await ks.close();
  });
});
