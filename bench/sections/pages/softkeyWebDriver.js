// softkey through softkey/webdriver in a selenium-webdriver session: Chromium over WebDriver BiDi (chromedriver), or
// WebKitGTK over the classic bridge (WebKitWebDriver; softkey polls the page every 50 ms, its default).
import { attach } from "../../../dist/webdriver/index.js";

export function softkeyWebDriver(startSession) {
  return async (context) => {
    const session = await startSession(context);
    if (session.missing) return session;
    const { driver, page } = session;
    const key = await attach(driver, { softkey: context.softkey });
    await driver.get(context.url);
    await key.inject(); // classic: at once rather than at the next poll; over BiDi the preload script did it
    return {
      page,
      close: async () => {
        await key.detach();
        await session.close();
      },
    };
  };
}
