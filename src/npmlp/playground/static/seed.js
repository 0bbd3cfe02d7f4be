// npmlp playground: the seed's view -- every variable of the seed's graph for the next batch,
// next to the equation that produced it, and the tiny network's actual numbers.
"use strict";

NP.esc = (s) => String(s).replace(/[&<>]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;" })[c]);
// x^(3) -> x<sup>(3)</sup>; dl/dW^(i) keeps its slash; 1_N -> 1<sub>N</sub>
NP.math = (s) => NP.esc(s).replace(/\^\(([^)]*)\)/g, "<sup>($1)</sup>").replace(/_N/g, "<sub>N</sub>");

NP.fmt = (v) => {
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e4)) return v.toExponential(2);
  return v.toFixed(a < 0.1 ? 4 : 3);
};

NP.cell = (v) => (Number.isInteger(v) ? String(v) : Math.abs(v) >= 0.001 ? v.toFixed(3) : v.toExponential(1));

// a small matrix of numbers, each cell shaded blue (< 0) to orange (> 0)
NP.matrix = (values) => {
  const rows = Array.isArray(values) ? (Array.isArray(values[0]) ? values : [values]) : [[values]];
  let m = 0;
  rows.forEach((r) => r.forEach((v) => (m = Math.max(m, Math.abs(v)))));
  const cell = (v) => {
    const q = Math.round(128 + (127 * v) / (m || 1)), l = NP.UNIT_LUT;
    const [r, g, b] = [l[3 * q], l[3 * q + 1], l[3 * q + 2]];
    const ink = 0.299 * r + 0.587 * g + 0.114 * b < 150 ? "#fff" : "#111"; // readable on saturated cells
    return `<td style="background:rgb(${r},${g},${b});color:${ink}">${NP.cell(v)}</td>`;
  };
  return `<table class="mat">${rows.map((r) => `<tr>${r.map(cell).join("")}</tr>`).join("")}</table>`;
};

NP.SeedView = class {
  constructor(table, tiny, caption) { this.table = table; this.tiny = tiny; this.caption = caption; }
  rowsHTML(rows, withValues, hide) {
    const groups = { forward: "Forward: x^(i) from x^(i-1)", param: "Parameters", backward: "Backward: from dl/ds back to dl/dx^(0)" };
    let last = null, html = "";
    html += `<table class="seed"><thead><tr><th>variable</th><th>equation</th><th>seed</th><th>shape</th><th></th>` +
      `<th class="num">${withValues ? "values" : "‖·‖"}</th></tr></thead><tbody>`;
    for (const r of rows) {
      if (r.kind !== last && groups[r.kind]) { html += `<tr class="group"><td colspan="6">${NP.math(groups[r.kind])}</td></tr>`; last = r.kind; }
      const hidden = hide && r.kind === "backward";
      const value = hidden ? '<span class="hidden-value">? your turn</span>' : withValues ? NP.matrix(r.values) : r.norm == null ? "" : NP.fmt(r.norm);
      html += `<tr data-name="${NP.esc(r.name)}"><td class="var">${NP.math(r.name)}</td><td class="eq">${NP.math(r.eq)}</td>` +
        `<td class="ref">${NP.esc(r.ref)}</td><td>${NP.esc(r.letters)}</td><td class="num">${NP.esc(r.shape)}</td>` +
        `<td class="num">${value}</td></tr>`;
    }
    return html + "</tbody></table>";
  }
  show(msg) {
    this.table.hidden = false; this.tiny.hidden = true;
    this.caption.textContent = `the batch the next step uses (N = ${msg.N}), weights after step ${msg.step}; ‖·‖ is the Frobenius norm`;
    this.table.innerHTML = this.rowsHTML(msg.rows, false);
  }
  showTiny(msg, exercise) {
    this.table.hidden = true; this.tiny.hidden = false;
    if (exercise) return this.showExercise(msg);
    this.caption.textContent = `tiny network: 2 points of class 0 and 2 of class 1 (scaled); loss ${msg.loss.toFixed(4)} → ${msg.loss_after.toFixed(4)} after one SGD step of learning rate ${msg.lr}`;
    let html = "<h3>One forward and backward pass</h3>" + this.rowsHTML(msg.rows, true);
    html += `<h3>One gradient step: W ← W − ${msg.lr} · dl/dW</h3><div class="steps">`;
    for (const s of msg.step) {
      const n = s.name.replace(/^([Wb])(\d+)$/, "$1^($2)");
      html += `<div><div class="label">${NP.math(n)} before</div>${NP.matrix(s.before)}` +
        `<div class="label">dl/d${NP.math(n)}</div>${NP.matrix(s.grad)}` +
        `<div class="label">change −lr · dl/d${NP.math(n)}</div>${NP.matrix(s.change)}` +
        `<div class="label">${NP.math(n)} after</div>${NP.matrix(s.after)}</div>`;
    }
    this.tiny.innerHTML = html + "</div>";
  }
};

// ---------------------------------------------------------------- exercises on the tiny network
// the gradients hidden, a variable and an entry to pick, the learner's value checked by the server
NP.SeedView.prototype.showExercise = function (msg) {
  this.caption.textContent = "exercise: work out a gradient of this pass by hand; the server checks it against backprop and finite differences";
  const options = msg.exercises.map((n) => `<option value="${NP.esc(n)}">${NP.esc(n)}</option>`).join("");
  this.tiny.innerHTML = `<div class="exercise"><h3>Your answer</h3>
    <div class="ex-row"><label>variable <select id="ex-var">${options}</select></label>
    <label>entry <select id="ex-entry"></select></label></div>
    <div class="ex-row"><input id="ex-answer" autocomplete="off" placeholder="a number, or a matrix: rows split by ;  e.g. 0.1 -0.2; 0.3 0.4">
    <button id="ex-check" class="primary">check</button></div>
    <div id="ex-result"></div></div>
    <h3>The pass (gradients hidden)</h3>` + this.rowsHTML(msg.rows, true, true);
  const shapes = Object.fromEntries(msg.rows.map((r) => [r.name, r.shape.split(" × ").map(Number)]));
  const fillEntries = () => {
    const [R, C] = shapes[$("ex-var").value], opts = ['<option value="all">the whole matrix</option>'];
    for (let r = 0; r < R; r++) for (let c = 0; c < (C || 1); c++) opts.push(`<option value="${r},${c}">[${r}, ${c}]</option>`);
    $("ex-entry").innerHTML = opts.join("");
  };
  $("ex-var").addEventListener("change", fillEntries);
  fillEntries();
  $("ex-check").addEventListener("click", () => this.sendAnswer());
  $("ex-answer").addEventListener("keydown", (e) => { if (e.key === "Enter") this.sendAnswer(); });
};
// "0.12" -> 0.12; "1 2; 3 4" -> [[1, 2], [3, 4]] (commas or spaces between entries)
NP.parseAnswer = (text) => {
  const rows = text.trim().replace(/[\[\]]/g, " ").split(/;|\n/).map((r) => r.trim()).filter(Boolean)
    .map((r) => r.split(/[\s,]+/).map((v) => Number(v.replace("−", "-"))));
  return rows.length === 1 && rows[0].length === 1 ? rows[0][0] : rows;
};
NP.SeedView.prototype.sendAnswer = function () {
  const entry = $("ex-entry").value === "all" ? null : $("ex-entry").value.split(",").map(Number);
  send({ type: "exercise", variable: $("ex-var").value, entry, answer: NP.parseAnswer($("ex-answer").value) });
};
NP.SeedView.prototype.showResult = function (msg) {
  const el = $("ex-result");
  if (!el) return;
  const where = msg.entry ? `[${msg.entry.join(", ")}]` : "";
  const show = (v) => (Array.isArray(v) ? NP.matrix(v) : NP.cell(v));
  const wrong = msg.wrong.length ? `<p>wrong entries: ${msg.wrong.map((w) => `[${w.join(", ")}]`).join(" ")}</p>` : "";
  el.innerHTML = `<p class="verdict ${msg.right ? "right" : "wrong"}">${msg.right ? "&#10003; right" : "&#10007; wrong"}: ${NP.math(msg.variable)}${where}</p>${wrong}
    <div class="ex-refs"><div><div class="label">backprop</div>${show(msg.backprop)}</div>
    <div><div class="label">finite differences (max gap ${msg.agree.toExponential(1)})</div>${show(msg.numeric)}</div></div>
    <div class="label">the working of entry [${msg.worked.join(", ")}]</div>
    <pre class="working">${msg.working.map((l) => NP.math(l)).join("\n")}</pre>`;
};
