import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import { html } from './html.js';

/** A group's total lag over the last minutes (uPlot), redrawn as samples arrive. */
export function LagChart({ history }: { history: Array<{ atMs: number; lagBytes: number }> }) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  useEffect(() => {
    if (box.current === null) return;
    plot.current = new uPlot(
      {
        width: Math.min(900, box.current.clientWidth || 900),
        height: 220,
        series: [{}, { label: 'lag (bytes)', stroke: '#2454c5', fill: 'rgba(36,84,197,0.08)' }],
        axes: [{}, { size: 70 }],
      },
      [[], []],
      box.current,
    );
    return () => plot.current?.destroy();
  }, []);
  useEffect(() => {
    plot.current?.setData([history.map((p) => p.atMs / 1000), history.map((p) => p.lagBytes)]);
  }, [history]);
  return html`<div ref=${box} data-testid="lag-chart" data-points=${history.length}></div>`;
}
