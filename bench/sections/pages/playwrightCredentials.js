// Playwright's own virtual authenticator, `context.credentials` (playwright-core 1.65+), in a Chromium context of its own
// (install() takes over the whole context's WebAuthn).
export async function playwrightCredentials({ chromiumBrowser, url }) {
  const context = await chromiumBrowser.newContext();
  if (!context.credentials) {
    await context.close();
    return { missing: "the installed playwright-core has no context.credentials" };
  }
  await context.credentials.install();
  const page = await context.newPage();
  await page.goto(url);
  return { page, close: () => context.close() };
}
