// softkey through softkey/playwright (its CDP channel) in a Playwright Chromium page.
import { attach } from "../../../dist/playwright/index.js";
import { attachedPage } from "./attached.js";

export async function softkeyPlaywright(context) {
  const page = await context.chromiumContext.newPage();
  return attachedPage(page, attach, context, () => page.close());
}
