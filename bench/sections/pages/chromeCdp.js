// Chrome's own CDP virtual authenticator (the WebAuthn domain) answering a Playwright Chromium page: the baseline.
export async function chromeCdp({ chromiumContext, url }) {
  const page = await chromiumContext.newPage();
  const cdp = await chromiumContext.newCDPSession(page);
  await cdp.send("WebAuthn.enable", { enableUI: false });
  await cdp.send("WebAuthn.addVirtualAuthenticator", {
    options: { protocol: "ctap2", ctap2Version: "ctap2_1", transport: "usb", hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
  });
  await page.goto(url);
  return { page, close: () => page.close() };
}
