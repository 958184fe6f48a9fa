// The page's half of a page benchmark, the same in every engine and runner: `installPageLoop` is
// evaluated in the page (so it refers to nothing outside itself) and leaves `benchPages` there:
// register() makes the credential get() signs with, loop() runs one ceremony back to back.
export function installPageLoop() {
  const w = globalThis;
  const random = (n) => w.crypto.getRandomValues(new Uint8Array(n));
  const create = (userVerification) =>
    w.navigator.credentials.create({
      publicKey: {
        rp: { name: "Bench" },
        user: { id: random(16), name: "bench", displayName: "Bench" },
        challenge: random(32),
        pubKeyCredParams: [{ type: "public-key", alg: -7 }],
        authenticatorSelection: { residentKey: "discouraged", userVerification },
      },
    });
  let registered;
  w.benchPages = {
    async register() {
      registered = await create("discouraged");
      return registered.id;
    },
    /** `op` "get" signs in with the registered credential, "create" registers a new one; returns ops/s. */
    async loop({ op, seconds, userVerification = "discouraged" }) {
      const allowCredentials = [{ type: "public-key", id: registered.rawId }];
      const once = op === "create" ? () => create(userVerification) : () => w.navigator.credentials.get({ publicKey: { challenge: random(32), allowCredentials, userVerification } });
      for (let i = 0; i < 10; i++) await once();
      let n = 0;
      const start = performance.now();
      while (performance.now() < start + seconds * 1000) {
        await once();
        n++;
      }
      return (n / (performance.now() - start)) * 1000;
    },
  };
}
