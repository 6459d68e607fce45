import type { ReportData } from './report-data.js';

const WIDTH = 720;
const HEIGHT = 200;
const PAD = { left: 64, right: 12, top: 12, bottom: 28 };
const GIB = 1024 ** 3;

const label = (bytes: number) => (bytes >= GIB ? `${(bytes / GIB).toFixed(1)} GiB` : `${(bytes / 1024 ** 2).toFixed(0)} MiB`);

/** Bytes stored (line) and bytes deleted (bars) per day, as an inline SVG: no script, no external asset. */
export function storageChart(history: ReportData['history']): string {
  if (history.length === 0) return '<p>No history.</p>';
  const max = Math.max(1, ...history.map((h) => h.storedBytes), ...history.map((h) => h.deletedBytes));
  const w = WIDTH - PAD.left - PAD.right;
  const h = HEIGHT - PAD.top - PAD.bottom;
  const x = (i: number) => PAD.left + (history.length === 1 ? w / 2 : (i * w) / (history.length - 1));
  const y = (bytes: number) => PAD.top + h - (bytes / max) * h;
  const line = history.map((p, i) => `${i === 0 ? 'M' : 'L'}${x(i).toFixed(1)},${y(p.storedBytes).toFixed(1)}`).join(' ');
  const barWidth = Math.max(1, w / history.length - 1);
  const bars = history.filter((p) => p.deletedBytes > 0).map((p) => {
    const i = history.indexOf(p);
    return `<rect class="deleted" x="${(x(i) - barWidth / 2).toFixed(1)}" y="${y(p.deletedBytes).toFixed(1)}" width="${barWidth.toFixed(1)}" height="${(PAD.top + h - y(p.deletedBytes)).toFixed(1)}" fill="#d9534f"><title>${p.day}: ${label(p.deletedBytes)} deleted</title></rect>`;
  }).join('');
  const deletedTotal = history.reduce((n, p) => n + p.deletedBytes, 0);
  return `<svg id="storage-chart" role="img" aria-label="Bytes stored and deleted per day" viewBox="0 0 ${WIDTH} ${HEIGHT}" width="100%" style="max-width:${WIDTH}px">
<line x1="${PAD.left}" y1="${PAD.top + h}" x2="${WIDTH - PAD.right}" y2="${PAD.top + h}" stroke="#9aa3af"/>
<text x="${PAD.left - 6}" y="${PAD.top + 4}" text-anchor="end">${label(max)}</text><text x="${PAD.left - 6}" y="${PAD.top + h}" text-anchor="end">0</text>
<text x="${PAD.left}" y="${HEIGHT - 8}">${history[0]!.day}</text><text x="${WIDTH - PAD.right}" y="${HEIGHT - 8}" text-anchor="end">${history.at(-1)!.day}</text>
${bars}<path d="${line}" fill="none" stroke="#2563eb" stroke-width="2"/>
</svg>
<p><small><span style="color:#2563eb">━</span> bytes stored · <span style="color:#d9534f">▮</span> bytes deleted by the sweep (${label(deletedTotal)} over ${history.length} days, from the audit trail)</small></p>`;
}
