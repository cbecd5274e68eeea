// The planner's page: plain JavaScript against the crm-graph API, no build step.
"use strict";

const $ = (sel) => document.querySelector(sel);
const state = { plan: null, cy: null, loadedKey: null };

function key() { return $("#api-key").value.trim(); }

function say(text, error = false) {
  const status = $("#status");
  status.textContent = text;
  status.className = error ? "error" : "";
}

async function api(path, options = {}) {
  const response = await fetch(path, {
    ...options,
    headers: { "X-API-Key": key(), "Content-Type": "application/json", ...(options.headers || {}) },
  });
  const body = await response.json().catch(() => ({}));
  if (!response.ok) {
    const message = body.error ? body.error.message : response.statusText;
    throw new Error(`${response.status}: ${message}`);
  }
  return body;
}

function cell(row, text) {
  const td = document.createElement("td");
  td.textContent = text === null || text === undefined ? "-" : String(text);
  row.appendChild(td);
}

const fmt = (x, digits = 1) => (x === null || x === undefined ? "-" : Number(x).toFixed(digits));

async function loadProducts() {
  const data = await api("/v1/products");
  const select = $("#product");
  select.innerHTML = "";
  for (const p of data.items) {
    const option = document.createElement("option");
    option.value = p.product_id;
    option.textContent = `${p.name || p.product_id} (${p.recommended.toLocaleString()} recommended)`;
    select.appendChild(option);
  }
  // preselect the product with the most recommendations
  const best = data.items.reduce((a, b) => (b.recommended > (a ? a.recommended : -1) ? b : a), null);
  if (best) select.value = best.product_id;
}

async function loadChannels() {
  // the bank's channels, most used first
  const select = $("#channel");
  while (select.options.length > 1) select.remove(1);
  const data = await api("/v1/channels");
  for (const c of data.items) {
    const option = document.createElement("option");
    option.value = c.channel_id;
    option.textContent = `${c.channel_id} (${c.enrolled.toLocaleString()} enrolled)`;
    select.appendChild(option);
  }
}

async function loadTiers() {
  // the bank's own tiers, highest first, as the last segments run named them
  const box = $("#tiers");
  box.innerHTML = "";
  let data;
  try {
    data = await api("/v1/tiers");
  } catch (error) {
    box.textContent = "no tiers yet (run crm-graph analyze segments)";
    return;
  }
  for (const name of data.tiers) {
    const label = document.createElement("label");
    const input = document.createElement("input");
    input.type = "checkbox";
    input.name = "tier";
    input.value = name;
    label.append(input, ` ${name}`);
    box.appendChild(label);
  }
}

function bars(container, rows, best) {
  container.innerHTML = "";
  const top = Math.max(...rows.map((r) => r.value), 1e-9);
  for (const r of rows) {
    const line = document.createElement("div");
    if (r.label === best) line.className = "best";
    const label = document.createElement("span");
    label.textContent = r.label;
    const bar = document.createElement("i");
    bar.style.width = `${(100 * r.value) / top}%`;
    const value = document.createElement("span");
    value.textContent = r.text;
    line.append(label, bar, value);
    container.appendChild(line);
  }
}

function showPlan(plan) {
  state.plan = plan;
  $("#plan-result").hidden = false;
  $("#expected").textContent = fmt(plan.expected_conversions);
  $("#expected-ci").textContent = `90%: ${fmt(plan.conversions_interval[0])} to ${fmt(plan.conversions_interval[1])}`;
  $("#reach").textContent = fmt(plan.expected_reach);
  $("#reach-ci").textContent = `5-95%: ${fmt(plan.reach_interval[0], 0)} to ${fmt(plan.reach_interval[1], 0)}`;
  $("#contacts").textContent = plan.contacts.length.toLocaleString();
  $("#control-size").textContent =
    `${plan.control.length} held out as control · ${plan.recorded ? plan.campaign_id : "not recorded"}`;
  const c = plan.seed_comparison;
  bars($("#seed-bars"), [
    { label: "greedy (ours)", value: c.greedy.mean, text: fmt(c.greedy.mean) },
    { label: "top degree", value: c.top_degree.mean, text: fmt(c.top_degree.mean) },
    { label: "top PageRank", value: c.top_pagerank.mean, text: fmt(c.top_pagerank.mean) },
  ], "greedy (ours)");
  $("#channels").innerHTML = "";
  for (const [name, n] of Object.entries(plan.channels)) {
    const li = document.createElement("li");
    li.textContent = `${name}: ${n}`;
    $("#channels").appendChild(li);
  }
  $("#notes").innerHTML = "";
  for (const note of plan.notes) {
    const li = document.createElement("li");
    li.textContent = note;
    $("#notes").appendChild(li);
  }
  const body = $("#targets tbody");
  body.innerHTML = "";
  for (const t of plan.contacts.slice(0, 300)) {
    const row = document.createElement("tr");
    row.className = t.group;
    for (const v of [t.group, t.rank, t.customer_id, t.name, fmt(t.score, 3), t.channel,
      t.rm_name, t.reasons.slice(0, 2).join("; ")]) cell(row, v);
    row.addEventListener("click", () => drawNetwork(t.customer_id));
    body.appendChild(row);
  }
  const first = plan.contacts.find((t) => t.group === "seed") || plan.contacts[0];
  if (first) drawNetwork(first.customer_id);
}

async function drawNetwork(customerId) {
  const net = await api(`/v1/customers/${encodeURIComponent(customerId)}/network?depth=2&limit=150`);
  const seeds = new Set((state.plan ? state.plan.contacts : [])
    .filter((t) => t.group === "seed").map((t) => t.customer_id));
  const elements = [];
  for (const n of net.nodes) {
    elements.push({ data: { id: n.customer_id, label: n.name || n.customer_id,
      seed: seeds.has(n.customer_id) ? 1 : 0, centre: n.depth === 0 ? 1 : 0 } });
  }
  net.edges.forEach((e, i) => elements.push({ data: { id: `e${i}`, source: e.source, target: e.target, type: e.type } }));
  $("#graph-centre").textContent = customerId;
  if (state.cy) state.cy.destroy();
  state.cy = cytoscape({
    container: $("#graph"),
    elements,
    layout: { name: "cose", animate: false, randomize: false },
    style: [
      { selector: "node", style: { "background-color": "#0b6bcb", label: "data(label)", "font-size": 8, width: 12, height: 12 } },
      { selector: "node[seed = 1]", style: { "background-color": "#f08c00", width: 20, height: 20 } },
      { selector: "node[centre = 1]", style: { "border-width": 3, "border-color": "#1d2733" } },
      { selector: "edge", style: { width: 1, "line-color": "#b8c4d0", label: "data(type)", "font-size": 6, color: "#8796a5" } },
    ],
  });
  state.cy.on("tap", "node", (event) => drawNetwork(event.target.id()));
  document.body.dataset.graphNodes = String(net.nodes.length);
}

function csvCell(value) {
  let text = value === null || value === undefined ? "" : String(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`; // no formulas in the branch's spreadsheet
  return `"${text.replace(/"/g, '""')}"`;
}

function download() {
  const plan = state.plan;
  if (!plan) return;
  const header = ["group", "rank", "customer_id", "name", "score", "channel", "rm_id", "reasons"];
  const lines = [header.join(",")];
  for (const t of [...plan.contacts, ...plan.control]) {
    lines.push([t.group, t.rank, t.customer_id, t.name, t.score,
      t.group === "control" ? "control: do not contact" : t.channel, t.rm_id,
      t.reasons.join("; ")].map(csvCell).join(","));
  }
  const blob = new Blob(["\ufeff" + lines.join("\n")], { type: "text/csv" });
  const link = document.createElement("a");
  link.href = URL.createObjectURL(blob);
  link.download = `${plan.campaign_id}.csv`;
  link.click();
}

async function plan(event) {
  event.preventDefault();
  const tiers = [...document.querySelectorAll("input[name=tier]:checked")].map((x) => x.value);
  const body = {
    product_id: $("#product").value,
    budget: Number($("#budget").value),
    seeds: Number($("#seeds").value),
    control_share: Number($("#control").value),
    dry_run: !$("#record").checked,
  };
  if (tiers.length) body.tiers = tiers;
  if ($("#channel").value) body.channel = $("#channel").value;
  $("#plan-button").disabled = true;
  // the first plan after the graph changed reads the audience and the ties and draws
  // word-of-mouth samples (seconds to a minute on a large bank); later ones reuse them
  const started = performance.now();
  const progress = $("#plan-progress");
  progress.hidden = false;
  const tick = () => {
    const s = Math.round((performance.now() - started) / 1000);
    say(`planning: reading the audience, choosing word-of-mouth seeds, ranking targets ... ${s} s`);
  };
  tick();
  const ticker = setInterval(tick, 500);
  try {
    const result = await api("/v1/campaigns", { method: "POST", body: JSON.stringify(body) });
    showPlan(result);
    say(`planned ${result.contacts.length} contacts for ${result.product} in ${fmt(result.seconds, 1)} s`);
  } catch (error) {
    say(String(error.message || error), true);
  } finally {
    clearInterval(ticker);
    progress.hidden = true;
    $("#plan-button").disabled = false;
  }
}

async function loadChurn() {
  const [risk, flows] = await Promise.all([api("/v1/churn/at-risk?limit=50"), api("/v1/churn/flows")]);
  const body = $("#at-risk tbody");
  body.innerHTML = "";
  for (const r of risk.items) {
    const row = document.createElement("tr");
    for (const v of [r.customer_id, r.name, r.tier, fmt(r.churn_risk, 2), fmt(r.retention_priority, 3),
      r.drivers.join("; "), r.rm_name]) cell(row, v);
    body.appendChild(row);
  }
  bars($("#flows"), flows.items.map((f) => ({
    label: f.competitor || f.competitor_id, value: f.amount_moved,
    text: `${f.customers} · ${(f.amount_moved / 1e6).toFixed(1)}M`,
  })), null);
}

function show(view) {
  for (const tab of document.querySelectorAll(".tab")) tab.classList.toggle("active", tab.dataset.view === view);
  $("#view-plan").hidden = view !== "plan";
  $("#view-churn").hidden = view !== "churn";
  if (view === "churn") loadChurn().then(() => say("churn view loaded"), (e) => say(String(e.message || e), true));
}

async function start() {
  $("#api-key").value = localStorage.getItem("crmGraphKey") || "";
  $("#api-key").addEventListener("change", () => {
    if (key() === state.loadedKey) return; // fill + change: load once per key
    state.loadedKey = key();
    localStorage.setItem("crmGraphKey", key());
    Promise.all([loadProducts(), loadTiers(), loadChannels()]).then(() => say("ready"), (e) => say(String(e.message || e), true));
  });
  $("#plan-form").addEventListener("submit", plan);
  $("#download").addEventListener("click", download);
  for (const tab of document.querySelectorAll(".tab")) tab.addEventListener("click", () => show(tab.dataset.view));
  if (key()) {
    state.loadedKey = key();
    try { await Promise.all([loadProducts(), loadTiers(), loadChannels()]); say("ready"); } catch (error) { say(String(error.message || error), true); }
  } else {
    say("enter an API key (marketing or admin) to start");
  }
}

start();
