import { formatBytes } from '../domain/bytes.js';
import type { ReportData } from './report-data.js';
import { storageChart } from './storage-chart.js';

/** Text for HTML element content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const usd = (n: number) => `$${n.toFixed(2)}`;
const short = (digest: string) => digest.slice(0, 19);

const STYLE = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;color:#1d2430;background:#f6f7f9}
header{background:#1d2430;color:#fff;padding:16px 24px}header h1{margin:0;font-size:20px}header p{margin:4px 0 0;color:#c5cbd6}
main{padding:16px 24px;max-width:1200px}section{background:#fff;border:1px solid #dde1e7;border-radius:6px;padding:12px 16px;margin-bottom:16px}
h2{font-size:16px;margin:0 0 8px}table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:4px 8px;border-bottom:1px solid #eceff3}
th{font-weight:600;background:#f0f2f5}td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
.cards{display:flex;gap:12px;flex-wrap:wrap;margin-bottom:16px}.card{flex:1;min-width:160px;background:#fff;border:1px solid #dde1e7;border-radius:6px;padding:10px 14px}
.card b{display:block;font-size:20px}.warn{background:#fff7e0;border-color:#f0d48a}code{font-size:12px}
input[type=search]{width:100%;max-width:520px;padding:6px 8px;font-size:14px;border:1px solid #b9c0cb;border-radius:4px}
.protects{color:#0b6b2f;font-weight:600}.idle{color:#6b7280}svg text{font:11px system-ui,sans-serif;fill:#4b5563}`;

/** The page's only script: answers "who uses this image" from the embedded data (no network, works from file://). */
const SEARCH_SCRIPT = `
(function(){
  var data = JSON.parse(document.getElementById('report-data').textContent);
  var input = document.getElementById('who-uses-query'), out = document.getElementById('who-uses-result');
  function esc(t){return String(t).replace(/[&<>"']/g,function(c){return {'&':'&amp;','<':'&lt;','>':'&gt;','"':'&quot;',"'":'&#39;'}[c];});}
  function matches(image, q){
    var at = q.indexOf('@'), colon = q.lastIndexOf(':');
    if (at >= 0) return image.repositoryName === q.slice(0, at) && image.imageDigest.indexOf(q.slice(at + 1)) === 0;
    if (q.indexOf('sha256:') === 0) return image.imageDigest.indexOf(q) === 0;
    if (colon > 0) return image.repositoryName === q.slice(0, colon) && image.imageTags.indexOf(q.slice(colon + 1)) >= 0;
    return image.imageTags.indexOf(q) >= 0 || image.repositoryName === q;
  }
  function show(){
    var q = input.value.trim().replace(/^[0-9]{12}\\.dkr\\.ecr\\.[a-z0-9-]+\\.amazonaws\\.com(\\.cn)?\\//, '');
    if (!q) { out.innerHTML = ''; return; }
    var found = data.images.filter(function(i){ return matches(i, q); }).slice(0, 20);
    if (!found.length) { out.innerHTML = '<p>No image in this report matches <code>' + esc(q) + '</code>.</p>'; return; }
    out.innerHTML = found.map(function(i){
      var refs = i.referrers.length ? '<ul>' + i.referrers.map(function(r){
        return '<li><span class="' + (r.protecting ? 'protects">protects' : 'idle">does not protect') + '</span> ' + esc(r.kind) + ' <code>' + esc(r.id) + '</code> (' + esc(r.account + '/' + r.region) + ')<br><small>' + esc(r.reason) + '</small></li>';
      }).join('') + '</ul>' : '<p class="idle">No referrers: nothing uses it.</p>';
      return '<div class="hit"><b>' + esc(i.repositoryName) + '@' + esc(i.imageDigest.slice(0, 19)) + '</b> ' + esc(i.imageTags.join(', ') || '<untagged>') + ' — plan: ' + esc(i.action) + refs + '</div>';
    }).join('');
  }
  input.addEventListener('input', show);
  show();
})();`;

function repositoryRows(data: ReportData): string {
  return data.repositories.map((r) => `<tr><td>${escapeHtml(r.repositoryName)}</td><td class="n">${r.images}</td><td class="n">${formatBytes(r.bytes)}</td><td class="n">${usd(r.usdPerMonth)}</td><td class="n">${r.toDelete}</td><td class="n">${formatBytes(r.bytesToDelete)}</td><td class="n">${r.bytesFreed === undefined ? '?' : formatBytes(r.bytesFreed)}</td></tr>`).join('\n');
}

function scheduledRows(data: ReportData): string {
  if (data.scheduled.length === 0) return '<tr><td colspan="5">Nothing is scheduled for deletion.</td></tr>';
  return data.scheduled.map((s) => `<tr><td>${escapeHtml(s.repositoryName)}</td><td><code>${escapeHtml(short(s.imageDigest))}</code></td><td>${escapeHtml(s.imageTags.join(', ') || '<untagged>')}</td><td>${escapeHtml(s.imagePushedAt.slice(0, 10))}</td><td class="n">${formatBytes(s.imageSizeInBytes)}</td></tr>`).join('\n');
}

/** The static report: one self-contained page (no external script, font or stylesheet) that opens from file://. */
export function renderReportHtml(data: ReportData): string {
  const t = data.totals;
  const embedded = JSON.stringify(data).replace(/</g, '\\u003c');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>ecr-ledger report — ${escapeHtml(`${data.scope.accountId}/${data.scope.region}`)}</title>
<style>${STYLE}</style></head>
<body>
<header><h1>ecr-ledger report</h1><p>Account ${escapeHtml(data.scope.accountId)}, region ${escapeHtml(data.scope.region)} · ${escapeHtml(data.generatedAt)} · from ${escapeHtml(data.source)}</p></header>
<main>
<div class="cards">
<div class="card">Images<b id="total-images">${t.images}</b></div>
<div class="card">Stored<b>${formatBytes(t.bytes)}</b>${usd(t.usdPerMonth)} / month</div>
<div class="card">Scheduled for deletion<b id="total-to-delete">${t.toDelete}</b><span id="freed">${t.bytesFreed === undefined ? `frees at most ${formatBytes(t.bytesToDelete)} (layers unread), ${usd(t.usdPerMonthSaved)} / month at most` : `frees ${formatBytes(t.bytesFreed)} (layers no remaining image names; ${formatBytes(t.bytesToDelete)} summed), ${usd(t.usdPerMonthSaved)} / month`}</span></div>
</div>
${data.warnings.length ? `<section class="warn"><h2>Warnings</h2><ul>${data.warnings.map((w) => `<li>${escapeHtml(w)}</li>`).join('')}</ul></section>` : ''}
<section><h2>Who uses this image?</h2>
<label for="who-uses-query">Image (repo:tag, repo@sha256:…, or a full URI)</label><br>
<input type="search" id="who-uses-query" placeholder="fluentd:bbbb" autocomplete="off">
<div id="who-uses-result" aria-live="polite"></div></section>
<section><h2>Repositories</h2>
<table id="repositories"><thead><tr><th>Repository</th><th class="n">Images</th><th class="n">Stored</th><th class="n">USD / month</th><th class="n">To delete</th><th class="n">Bytes to delete</th><th class="n">Freed</th></tr></thead>
<tbody>
${repositoryRows(data)}
</tbody></table>
<p><small>USD/month at $${data.usdPerGbMonth.toFixed(2)} per GB-month (config pricing), an upper bound: ECR stores layers shared between images once.</small></p></section>
<section><h2>Storage over time</h2>${storageChart(data.history)}</section>
<section><h2>Scheduled deletions</h2>
<table id="scheduled"><thead><tr><th>Repository</th><th>Digest</th><th>Tags</th><th>Pushed</th><th class="n">Size</th></tr></thead>
<tbody>
${scheduledRows(data)}
</tbody></table></section>
</main>
<script type="application/json" id="report-data">${embedded}</script>
<script>${SEARCH_SCRIPT}</script>
</body></html>
`;
}
