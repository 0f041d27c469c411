import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { launchChromium } from '../test/support/headless-chromium.js';

export interface Series {
  label: string;
  values: number[];
  /** Which y axis: throughput on the left, memory on the right. */
  axis: 'left' | 'right';
}

export interface Chart {
  title: string;
  xLabel: string;
  x: number[];
  leftLabel: string;
  rightLabel: string;
  series: Series[];
}

const COLORS = ['#1f6feb', '#d1242f', '#1a7f37', '#8250df'];

/** Draw charts with uPlot (the console's chart library) in headless Chromium and save each as a PNG. */
export async function renderCharts(charts: Array<{ chart: Chart; path: string }>): Promise<void> {
  const require = createRequire(import.meta.url);
  const uplot = readFileSync(require.resolve('uplot/dist/uPlot.iife.min.js'), 'utf8');
  const css = readFileSync(require.resolve('uplot/dist/uPlot.min.css'), 'utf8');
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 760, height: 420 } });
    for (const { chart, path } of charts) {
      await page.setContent(
        `<html><head><style>${css} body{margin:0;font:13px sans-serif;background:#fff}</style></head><body><div id="chart"></div></body></html>`,
      );
      await page.addScriptTag({ content: uplot });
      const opts = {
        title: chart.title,
        width: 740,
        height: 380,
        scales: { x: { time: false, distr: 3 }, left: {}, right: {} },
        axes: [
          { label: chart.xLabel },
          { scale: 'left', label: chart.leftLabel, size: 70 },
          { scale: 'right', label: chart.rightLabel, side: 1, grid: { show: false } },
        ],
        series: [
          { label: chart.xLabel },
          ...chart.series.map((s, i) => ({ label: s.label, scale: s.axis, stroke: COLORS[i % COLORS.length], width: 2, points: { size: 7 } })),
        ],
      };
      const data = [chart.x, ...chart.series.map((s) => s.values)];
      // Runs in the page (this project's TypeScript has no DOM types): uPlot draws into #chart.
      await page.evaluate(`new uPlot(${JSON.stringify(opts)}, ${JSON.stringify(data)}, document.getElementById('chart'))`);
      mkdirSync(dirname(path), { recursive: true });
      await page.locator('#chart').screenshot({ path });
    }
  } finally {
    await browser.close();
  }
}
