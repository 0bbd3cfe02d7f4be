// npmlp playground: the socket, the controls and the counters. Training runs on the server,
// in npmlp itself; this page sends settings and button presses and draws the frames it gets.
"use strict";
const $ = (id) => document.getElementById(id);
const SPEEDS = [1, 2, 3, 5, 10, 20, 50, 100, 200];
const OPTIONS = {
  n: [100, 200, 300, 500, 1000, 1500, 2000],
  test_fraction: [0.1, 0.2, 0.3, 0.4, 0.5],
  lr: [0.0001, 0.0003, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3],
  batch_size: [1, 4, 8, 16, 32, 64, 128, 256, 0],
  l2: [0, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1],
};
const LABELS = { batch_size: (v) => (v === 0 ? "full" : String(v)), test_fraction: (v) => `${Math.round(v * 100)} %` };

const app = {
  ws: null, session: null, data: null, run: 0, config: null, playing: false,
  latest: null, pending: 0, drawQueued: false, inspecting: false, lastInspect: 0, tab: "network",
};
const regions = new NP.Regions($("regions"), $("legend"));
const curves = new NP.Curves($("loss-curve"), $("acc-curve"));
const diagram = new NP.Diagram($("diagram"), $("links"), (unit) => select(unit));
const enlarged = new NP.Enlarged($("enlarged"), $("enlarged-canvas"), $("enlarged-title"), $("enlarged-note"));
const seedView = new NP.SeedView($("seed-table"), $("tiny"), $("seed-caption"));

function send(msg) { if (app.ws && app.ws.readyState === 1) app.ws.send(JSON.stringify(msg)); }
// a message at the bottom of the page: errors in red; it goes after 8 s unless sticky
function status(text, sticky, error) {
  const el = $("status");
  el.textContent = text; el.hidden = !text; el.classList.toggle("error", !!error);
  clearTimeout(app.statusTimer);
  if (text && !sticky) app.statusTimer = setTimeout(() => (el.hidden = true), 8000);
}
function select(unit) {
  diagram.select(unit);
  send({ type: "select", unit });
  $("enlarged").hidden = !unit;
  relayout();
}
// sizes follow the window and the enlarged panel: fit the canvases again, redraw the last frame
function relayout() {
  regions.resize(); curves.resize();
  if (app.data) diagram.layout(app.data);
  if (app.last) { app.latest = app.last; queueDraw(); }
}
window.addEventListener("resize", () => { clearTimeout(app.resizeTimer); app.resizeTimer = setTimeout(relayout, 150); });
function configure(changes) { send({ type: "config", config: changes }); }
// these change while the run goes on (recorded, marked on the curves); the others start again
const LIVE = ["optimizer", "lr", "batch_size", "l2"];
function change(setting, value) { send({ type: "change", setting, value }); }

// ---------------------------------------------------------------- controls
function fillSelect(el, values, label) {
  el.innerHTML = "";
  values.forEach((v) => { const o = document.createElement("option"); o.value = JSON.stringify(v); o.textContent = label ? label(v) : String(v); el.appendChild(o); });
}
function setSelect(el, value, label) {
  const key = JSON.stringify(value);
  if (![...el.options].some((o) => o.value === key)) {
    const o = document.createElement("option"); o.value = key; o.textContent = label ? label(value) : String(value); el.appendChild(o);
  }
  el.value = key;
}
function setupControls(hello) {
  fillSelect($("data"), hello.choices.data);
  fillSelect($("activation"), hello.choices.activation);
  fillSelect($("optimizer"), hello.choices.optimizer);
  const [cLo, cHi] = hello.limits.classes, [lLo, lHi] = hello.limits.layers;
  fillSelect($("classes"), Array.from({ length: cHi - cLo + 1 }, (_, i) => cLo + i));
  fillSelect($("layers"), Array.from({ length: (lHi - lLo) / 2 + 1 }, (_, i) => lLo + 2 * i));
  for (const [key, values] of Object.entries(OPTIONS)) fillSelect($(key), values, LABELS[key]);
  for (const key of ["data", "classes", "activation", "optimizer", "layers", ...Object.keys(OPTIONS)]) {
    $(key).addEventListener("change", (e) => {
      const value = JSON.parse(e.target.value);
      if (LIVE.includes(key)) change(key, value); else configure({ [key]: value });
    });
  }
  $("noise").addEventListener("input", (e) => ($("noise-out").textContent = (+e.target.value).toFixed(2)));
  $("noise").addEventListener("change", (e) => configure({ noise: +e.target.value }));
  $("seed").addEventListener("change", (e) => configure({ seed: Number(e.target.value) }));
  app.limits = hello.limits; app.multi = hello.choices.multi_class;
}
function showConfig(cfg) {
  app.config = cfg;
  for (const key of ["data", "classes", "activation", "optimizer", "layers", ...Object.keys(OPTIONS)]) setSelect($(key), cfg[key], LABELS[key]);
  $("noise").value = cfg.noise; $("noise-out").textContent = cfg.noise.toFixed(2);
  $("seed").value = cfg.seed;
  $("classes-row").style.display = app.multi[cfg.data] ? "" : "none";
  const box = $("widths"), [wLo, wHi] = app.limits.width;
  box.innerHTML = "";
  cfg.widths.forEach((w, k) => {
    const inp = document.createElement("input");
    Object.assign(inp, { type: "number", min: wLo, max: wHi, step: 1, value: w, title: `width of x^(${2 * k + 1})` });
    inp.addEventListener("change", () => {
      const widths = [...box.querySelectorAll("input")].map((e) => Math.round(Number(e.value)));
      configure({ widths });
    });
    box.appendChild(inp);
  });
}
// the URL: the run's settings at step 0 and its changes, #data=moons&n=500&...&changes=7:lr=0.1
function shareURL() {
  const start = app.data.start, parts = Object.keys(start).map((k) => `${k}=${String(start[k])}`);
  if (app.changesText) parts.push(`changes=${app.changesText}`);
  history.replaceState(null, "", "#" + parts.join("&"));
}
// settings of a shared URL, typed as the defaults are; null when there is none
function readURL(defaults) {
  if (location.hash.length < 2) return null;
  const cfg = {};
  for (const part of location.hash.slice(1).split("&")) {
    const at = part.indexOf("="), k = decodeURIComponent(part.slice(0, at)), v = decodeURIComponent(part.slice(at + 1));
    if (k === "changes") cfg.changes = v;
    else if (!(k in defaults)) cfg[k] = v; // the server names it in its error
    else if (Array.isArray(defaults[k])) cfg[k] = v.split(",").map(Number);
    else cfg[k] = typeof defaults[k] === "number" ? Number(v) : v;
  }
  return cfg;
}

// ---------------------------------------------------------------- messages from the server
function onJSON(msg) {
  switch (msg.type) {
    case "hello":
      app.session = msg.session; setupControls(msg);
      $("download").href = `/session/${msg.session}/model.npz`;
      { const shared = readURL(msg.defaults); if (shared) configure(shared); }
      break;
    case "data":
      app.data = msg; app.run = msg.run; app.data.activation = msg.config.activation;
      app.changesText = msg.changes || "";
      showConfig(msg.config); shareURL(); regions.setData(msg); curves.reset(); app.last = null;
      diagram.select(null); $("enlarged").hidden = true; $("command").hidden = true;
      diagram.layout(msg);
      break;
    case "state":
      app.playing = msg.playing;
      $("play").innerHTML = msg.playing ? "&#10074;&#10074; pause" : "&#9654; play";
      $("speed-out").textContent = msg.steps;
      if (!msg.playing) { $("fps").textContent = "-"; app.drawn = []; }
      break;
    case "changes":
      if (msg.run !== app.run) break;
      app.changesText = msg.text; showConfig(msg.config); shareURL();
      status(msg.waiting != null ? `batch size ${msg.waiting || "full"} from the next epoch on` : "changed without a reset; marked on the curves and in the command");
      break;
    case "error": app.lastError = msg.message; status(msg.message, false, true); break;
    case "seed_view": app.inspecting = false; if (!app.tinyMode) seedView.show(msg); break;
    case "tiny": seedView.showTiny(msg, app.exerciseMode); $("tiny-step").disabled = app.exerciseMode; break;
    case "exercise": seedView.showResult(msg); break;
    case "command": {
      const pre = $("command");
      app.command = msg.command;
      pre.hidden = false;
      const opts = msg.command.split(/ (?=--?[A-Za-z])/).map((o) => `<span class="opt">${NP.esc(o)}</span>`);
      pre.innerHTML = opts.join(" ") + msg.notes.map((n) => `<div class="note"># ${NP.esc(n)}</div>`).join("");
      const done = () => status(msg.exact ? "copied: this command repeats the run exactly" : "copied (see the note under it)");
      if (navigator.clipboard) navigator.clipboard.writeText(msg.command).then(done, () => status("select the command and copy it"));
      break;
    }
  }
}
function onFrame(buf) {
  const f = NP.decode(buf);
  app.pending += 1;
  if (f.h.run !== app.run) return queueDraw(); // a frame of the run before a reset
  app.latest = f;
  if (!app.connected) { app.connected = true; status(""); document.body.classList.remove("connecting"); }
  curves.add(f.h);
  queueDraw();
}
function queueDraw() {
  if (app.drawQueued) return;
  app.drawQueued = true;
  requestAnimationFrame(draw);
}
function draw() {
  app.drawQueued = false;
  const f = app.latest;
  if (f) {
    app.latest = null; app.last = f;
    regions.draw(f); diagram.draw(f); enlarged.draw(f, app.data); curves.draw();
    const h = f.h, fix = (v, d) => (v == null ? "-" : v.toFixed(d));
    NP.setText($("epoch-n"), fix(h.epoch, 2)); NP.setText($("step-n"), String(h.step));
    NP.setText($("train-loss"), fix(h.train_loss, 3)); NP.setText($("test-loss"), fix(h.test_loss, 3));
    NP.setText($("train-acc"), fix(h.train_acc, 3)); NP.setText($("test-acc"), fix(h.test_acc, 3));
    if (app.tab === "seed" && $("seed-auto").checked && !app.tinyMode) inspect(false);
    countFrame();
  }
  for (; app.pending > 0; app.pending--) send({ type: "ack" });
}
function countFrame() { // frames drawn in the last second, while playing
  const now = performance.now();
  app.drawn = (app.drawn || []).filter((t) => now - t < 1000);
  app.drawn.push(now);
  NP.setText($("fps"), app.playing ? String(app.drawn.length) : "-");
}
function inspect(force) {
  const now = performance.now();
  if (!force && (app.inspecting || now - app.lastInspect < 400)) return;
  app.inspecting = true; app.lastInspect = now;
  send({ type: "inspect" });
}

// ---------------------------------------------------------------- connection
function connect() {
  const ws = new WebSocket(`${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/ws`);
  ws.binaryType = "arraybuffer";
  ws.onmessage = (e) => (typeof e.data === "string" ? onJSON(JSON.parse(e.data)) : onFrame(e.data));
  ws.onclose = () => {
    const idle = (app.lastError || "").startsWith("closed after");
    status(idle ? app.lastError : "disconnected from the server: start 'npmlp playground' and reload this page", true, true);
    $("play").disabled = $("step").disabled = $("epoch").disabled = $("reset").disabled = true;
  };
  app.ws = ws;
}
status("connecting to the npmlp server: the first frame comes once it has built the run", true);

$("play").addEventListener("click", () => send({ type: app.playing ? "pause" : "play" }));
$("step").addEventListener("click", () => send({ type: "step" }));
$("epoch").addEventListener("click", () => send({ type: "epoch" }));
$("reset").addEventListener("click", () => send({ type: "reset" }));
$("speed").addEventListener("input", (e) => send({ type: "speed", steps: SPEEDS[+e.target.value] }));
$("copy-command").addEventListener("click", () => send({ type: "command" }));
$("enlarged-close").addEventListener("click", () => select(null));
function setTab(tab) {
  app.tab = tab;
  $("tab-network").classList.toggle("active", tab === "network");
  $("tab-seed").classList.toggle("active", tab === "seed");
  $("network-view").hidden = tab !== "network"; $("seed-view").hidden = tab !== "seed";
  $("tab-hint").hidden = tab !== "network";
  if (tab === "seed" && !app.tinyMode) inspect(true);
}
$("tab-network").addEventListener("click", () => setTab("network"));
$("tab-seed").addEventListener("click", () => setTab("seed"));
$("seed-refresh").addEventListener("click", () => { app.tinyMode = app.exerciseMode = false; $("tiny-step").disabled = true; inspect(true); });
$("tiny-new").addEventListener("click", () => { app.tinyMode = true; app.exerciseMode = false; send({ type: "tiny", fresh: true }); });
$("tiny-exercise").addEventListener("click", () => { app.tinyMode = app.exerciseMode = true; send({ type: "tiny", fresh: true }); });
$("tiny-step").addEventListener("click", () => send({ type: "tiny", fresh: false }));
document.addEventListener("keydown", (e) => {
  if (e.target.tagName === "INPUT" || e.target.tagName === "SELECT") return;
  if (e.key === " ") { e.preventDefault(); $("play").click(); }
  else if (e.key === "s") $("step").click();
  else if (e.key === "e") $("epoch").click();
  else if (e.key === "r") $("reset").click();
});
connect();
