// Opens the dashboard in headless Chromium (playwright-core), waits until every chart is
// drawn, saves a full-page screenshot and prints, as one JSON line, what the page shows:
// the figures each chart was given, what the charts drew (their SVG), the tables' rows,
// and any error the page raised. The test (tests/node/dashboard_test.cc) judges them.
//
//   node drive_dashboard.cjs URL SCREENSHOT.png
//
// CHROMIUM: the browser to run. For an https URL, KYOSO_CLIENT_CERT and KYOSO_CLIENT_KEY
// (PEM files) are the client certificate the browser presents, and NODE_EXTRA_CA_CERTS
// the CA the node's certificate must chain to.
const { chromium } = require('playwright-core');

// What the page shows, read inside it.
function readPage() {
  const drawn = (id) => {
    const svg = document.querySelector(`#${id} svg`);
    if (!svg) return null;
    return { paths: svg.querySelectorAll('path').length,
             texts: [...svg.querySelectorAll('text')].map((text) => text.textContent) };
  };
  const rows = (id) => [...document.querySelectorAll(`#${id} tbody tr`)].map((tr) => ({
    suppressed: tr.classList.contains('suppressed'),
    cells: [...tr.cells].map((td) => td.textContent),
  }));
  return {
    error: document.body.dataset.error || null,
    figures: window.kyosoDashboard.figures,
    charts: { flows: drawn('flows-chart'), velocity: drawn('velocity-chart'),
              leakage: drawn('leakage-chart'), lm3: drawn('lm3-chart') },
    tables: { flows: rows('flows-table'), lm3: rows('lm3-table') },
  };
}

async function main() {
  const [url, screenshot] = process.argv.slice(2);
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu'],
  });
  try {
    const options = { viewport: { width: 1280, height: 1400 } };
    if (process.env.KYOSO_CLIENT_CERT) {
      options.clientCertificates = [{ origin: new URL(url).origin,
                                      certPath: process.env.KYOSO_CLIENT_CERT,
                                      keyPath: process.env.KYOSO_CLIENT_KEY }];
    }
    const context = await browser.newContext(options);
    const page = await context.newPage();
    const errors = [];
    page.on('pageerror', (error) => errors.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(message.text());
    });
    await page.goto(url);
    await page.waitForFunction(
      () => document.body.dataset.ready === 'true' || document.body.dataset.error,
      null, { timeout: 60000 });
    const shown = await page.evaluate(readPage);
    shown.errors = errors;
    await page.screenshot({ path: screenshot, fullPage: true });
    console.log(JSON.stringify(shown));
  } finally {
    await browser.close();
  }
}

main().catch((error) => {
  console.error(error.stack || String(error));
  process.exit(1);
});
