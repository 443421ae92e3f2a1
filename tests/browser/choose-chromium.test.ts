import { describe, expect, it } from 'vitest';
import { chooseChromium } from '../e2e/browser.ts';

/** The e2e suite's browser: CHROMIUM_PATH first, then the build that npm installs, then the system's. */
describe('chooseChromium', () => {
  it('takes CHROMIUM_PATH first, and refuses one that is not an executable with a message that says what to do', async () => {
    const chosen = await chooseChromium({ CHROMIUM_PATH: process.execPath });
    expect(chosen.source).toBe('CHROMIUM_PATH');
    expect(chosen.launch.executablePath).toBe(process.execPath);
    await expect(chooseChromium({ CHROMIUM_PATH: '/nonexistent/chromium' })).rejects.toThrow(
      /CHROMIUM_PATH is "\/nonexistent\/chromium", which is not an executable file\. .*unset it/,
    );
  });

  it.runIf(process.platform === 'linux' && process.arch === 'x64')(
    'uses the Chromium that npm installs on linux-x64, with web security left on and one process per page',
    async () => {
      const chosen = await chooseChromium({});
      expect(chosen.source).toBe('npm (@sparticuz/chromium)');
      expect(chosen.launch.args).toContain('--no-sandbox');
      expect(chosen.launch.args).not.toContain('--disable-web-security');
      expect(chosen.launch.args).not.toContain('--single-process'); // it ends the browser when the first page closes
      expect(chosen.launch.args?.some((arg) => arg.startsWith('--headless'))).toBe(false);
    },
  );
});
