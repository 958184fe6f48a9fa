// softkey through softkey/playwright (its CDP channel) in a Playwright Chromium page.
import { attach } from "../../../dist/playwright/index.js";

export async function softkeyPlaywright({ chromiumContext, softkey, url }) {
  const page = await chromiumContext.newPage();
  const key = await attach(page, { softkey });
  await page.goto(url);
  return {
    page,
    close: async () => {
      await key.detach();
      await page.close();
    },
  };
}
