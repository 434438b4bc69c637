// Mirrors alcore.report.explore.view (explorer_data, view_notes) and draw.points: select one
// view from the page's table and refresh the plots. Arguments: see page.explorer_html.
const S = scale, NA = missing;
const d = all.data, r = last.data;
const di = names.dataset.indexOf(dataset.value), ei = names.encoder.indexOf(encoder.value),
      ii = names.ips.indexOf(ips.value);
const m = metric.value, rb = rank_by.value, sh = share.value;
const chosen = names.strategy.filter(s => strategies.value.includes(s));
const val = (col, i) => (col[i] === NA ? NaN : col[i] / S);
const clip = v => Math.min(Math.max(v, ranges[m][0]), ranges[m][1]);
const need = Math.round(sh * S);
const rows = {};
for (let i = 0; i < d.dataset.length; i++) {
  if (d.dataset[i] !== di || d.encoder[i] !== ei || d.ips[i] !== ii) continue;
  const s = names.strategy[d.strategy[i]];
  (rows[s] = rows[s] || []).push(i);   // the table is sorted by cycle
}
const finals = {};
for (let i = 0; i < r.dataset.length; i++) {
  if (r.dataset[i] === di && r.encoder[i] === ei && r.ips[i] === ii)
    finals[names.strategy[r.strategy[i]]] = i;
}
const cv = {xs: [], ys: [], lo: [], hi: [], band_xs: [], band_ys: [], strategy: [], color: []};
const pt = {x: [], y: [], lo: [], hi: [], strategy: [], color: []};
let rk = {strategy: [], mean: [], lo: [], hi: [], seeds: [], color: []};
const re = {strategy: [], labels: [], reached: [], seeds: [], text: [], color: [], bar: []};
const key = (rb === "aulc" ? "aulc_" : "") + m;
for (const s of chosen) {
  const idx = rows[s];
  if (!idx) continue;
  const xs = [], ys = [], lo = [], hi = [];
  for (const i of idx) {
    const y = val(d[m + "_mean"], i);
    if (Number.isNaN(y)) continue;
    xs.push(d.n_labelled[i]); ys.push(y);
    lo.push(val(d[m + "_min"], i)); hi.push(val(d[m + "_max"], i));
  }
  if (xs.length) {
    cv.xs.push(xs); cv.ys.push(ys); cv.lo.push(lo); cv.hi.push(hi);
    cv.band_xs.push(xs.concat(xs.slice().reverse()));
    cv.band_ys.push(hi.concat(lo.slice().reverse()));
    cv.strategy.push(s); cv.color.push(colors[s]);
    xs.forEach((x, j) => {
      pt.x.push(x); pt.y.push(ys[j]); pt.lo.push(lo[j]); pt.hi.push(hi[j]);
      pt.strategy.push(s); pt.color.push(colors[s]);
    });
  }
  const f = finals[s];
  const mean = f === undefined ? NaN : val(r[key + "_mean"], f);
  if (!Number.isNaN(mean)) {
    const l = val(r[key + "_lo"], f), h = val(r[key + "_hi"], f);
    rk.strategy.push(s); rk.mean.push(mean);
    rk.lo.push(clip(Number.isNaN(l) ? mean : l)); rk.hi.push(clip(Number.isNaN(h) ? mean : h));
    rk.seeds.push(r.n_seeds[f]); rk.color.push(colors[s]);
  }
  const labels = []; let seeds = 0;
  for (const c of seed_cols) {
    const col = d[c];
    if (idx.every(i => col[i] === NA)) continue;
    seeds += 1;
    const hit = idx.find(i => col[i] !== NA && col[i] >= need);
    if (hit !== undefined) labels.push(d.n_labelled[hit]);
  }
  const ml = labels.length ? labels.reduce((a, b) => a + b, 0) / labels.length : NaN;
  re.strategy.push(s); re.labels.push(ml); re.reached.push(labels.length);
  re.seeds.push(seeds); re.color.push(colors[s]); re.bar.push(Number.isNaN(ml) ? 0 : ml);
  re.text.push(labels.length === 0 ? "not reached" : (labels.length === seeds ?
      ml.toFixed(0) : ml.toFixed(0) + " (" + labels.length + "/" + seeds + ")"));
}
const order = rk.mean.map((v, i) => i).sort((a, b) => rk.mean[b] - rk.mean[a] || a - b);
rk = Object.fromEntries(Object.entries(rk).map(([k, v]) => [k, order.map(i => v[i])]));
rank_range.factors = rk.strategy.slice().reverse();
reach_range.factors = re.strategy.slice().reverse();
curves.data = cv; points.data = pt; ranking.data = rk; reach.data = re;
for (const item of legend.items) item.visible = cv.strategy.includes(item.label.value);
const lab = labels_of[m];
fc.title.text = "Learning curves: " + lab + " (line: mean, band: seed range)";
fc_y.axis_label = lab;
fr_x.axis_label = lab + ", " + rank_labels[rb];
fl.title.text = "Labels to reach " + Math.round(sh * 100) + "% of full-data accuracy";
fl.visible = re.reached.some(n => n > 0);
const full = fulls[dataset.value + "|" + encoder.value];
target.text = full === undefined ? "No full-data accuracy for this dataset and encoder." :
  "Full-data accuracy " + full.toFixed(3) + "; target " + Math.round(sh * 100) +
  "% of it = " + (sh * full).toFixed(3) + ".";
// the notes: view.view_notes
let text = "";
if (!chosen.length) text = "Pick at least one strategy.";
else if (!cv.strategy.length) text = "The store holds no runs of these strategies on " +
  dataset.value + " with " + encoder.value + " from a " + ips.value + " initial pool.";
else {
  const parts = [];
  const few = rk.seeds.length ? Math.min(...rk.seeds) : 0;
  if (few === 1) parts.push("One seed: the ranking shows no interval, only the one run.");
  else if (few === 2) parts.push("Only 2 seeds: a 95% t-interval from 2 seeds is very wide " +
    "(t = 12.7), so the ranking's intervals are clipped to the metric's range [" +
    ranges[m][0] + ", " + ranges[m][1] + "].");
  if (re.strategy.length && !re.reached.some(n => n > 0))
    parts.push("No strategy reaches " + Math.round(sh * 100) + "% of the full-data accuracy " +
      "within the budget of these runs: the labels-to-reach panel is empty.");
  text = parts.join(" ");
}
notes.text = text;
