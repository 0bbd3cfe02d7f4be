// npmlp playground: the live views (decision regions, curves, network diagram, enlarged unit).
// They only draw what the server sends; the page computes nothing of the network.
"use strict";
const NP = (window.NP = {});

NP.CLASS = ["#f28e2b", "#4e79a7", "#59a14f", "#e15759", "#b07aa1", "#c9a227"];
NP.rgb = (hex) => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));

// diverging colours of a unit's value: blue < 0, white at 0, orange > 0 (byte 128 is 0)
NP.UNIT_LUT = (() => {
  const lut = new Uint8ClampedArray(256 * 3), neg = NP.rgb("#2166ac"), pos = NP.rgb("#e08214");
  const mid = [247, 247, 247];
  for (let q = 0; q < 256; q++) {
    const v = Math.max(-1, Math.min(1, (q - 128) / 127)), end = v < 0 ? neg : pos, a = Math.abs(v);
    for (let c = 0; c < 3; c++) lut[3 * q + c] = mid[c] + (end[c] - mid[c]) * a;
  }
  return lut;
})();

NP.decode = (buf) => {
  const n = new DataView(buf).getUint32(0, true);
  const h = JSON.parse(new TextDecoder().decode(new Uint8Array(buf, 4, n)));
  const seg = {};
  let at = 4 + n;
  for (const [name, dtype, shape] of h.segments) {
    const size = shape.reduce((a, b) => a * b, 1);
    seg[name] = dtype === "int8" ? new Int8Array(buf, at, size) : new Uint8Array(buf, at, size);
    at += size;
  }
  return { h, seg };
};

// text set only when it changes: an unchanged write still makes the browser lay the page out again
NP.setText = (el, text) => { if (el.textContent !== text) el.textContent = text; };

// a canvas whose backing store follows the device pixel ratio; returns its 2-D context
NP.fit = (canvas, w, h) => {
  const r = window.devicePixelRatio || 1;
  w = w || canvas.clientWidth; h = h || canvas.clientHeight;
  canvas.width = Math.round(w * r); canvas.height = Math.round(h * r);
  const ctx = canvas.getContext("2d");
  ctx.setTransform(r, 0, 0, r, 0, 0);
  return ctx;
};

// paint bytes q (res*res) into an ImageData with a lookup of 256 colours
NP.paint = (img, q, lut, offset) => {
  const d = img.data, n = img.width * img.height;
  for (let p = 0; p < n; p++) {
    const k = 3 * q[offset + p];
    d[4 * p] = lut[k]; d[4 * p + 1] = lut[k + 1]; d[4 * p + 2] = lut[k + 2]; d[4 * p + 3] = 255;
  }
};

// white -> class colour, for the output units' probabilities
NP.classLUT = (k) => {
  const lut = new Uint8ClampedArray(256 * 3), c = NP.rgb(NP.CLASS[k % NP.CLASS.length]);
  for (let q = 0; q < 256; q++) for (let i = 0; i < 3; i++) lut[3 * q + i] = 255 + (c[i] - 255) * (q / 255);
  return lut;
};

// ---------------------------------------------------------------- the data points over a plane
NP.drawPoints = (ctx, data, w, h, radius) => {
  const [x0, x1, y0, y1] = data.extent, p = data.points;
  for (const pass of [0, 1]) { // train points first, test rings on top
    for (let i = 0; i < data.labels.length; i++) {
      if (data.test[i] !== pass) continue;
      const x = ((p[2 * i] - x0) / (x1 - x0)) * w, y = ((y1 - p[2 * i + 1]) / (y1 - y0)) * h;
      const col = NP.CLASS[data.labels[i] % NP.CLASS.length];
      ctx.beginPath();
      ctx.arc(x, y, radius, 0, 2 * Math.PI);
      if (pass === 0) {
        ctx.fillStyle = col; ctx.fill(); ctx.lineWidth = 0.8; ctx.strokeStyle = "#fff"; ctx.stroke();
      } else {
        ctx.fillStyle = "#fff"; ctx.fill(); ctx.lineWidth = 2; ctx.strokeStyle = col; ctx.stroke();
        ctx.beginPath(); ctx.arc(x, y, radius + 1.2, 0, 2 * Math.PI);
        ctx.lineWidth = 0.7; ctx.strokeStyle = "#111"; ctx.stroke();
      }
    }
  }
};

// ---------------------------------------------------------------- decision regions
NP.Regions = class {
  constructor(canvas, legend) {
    this.canvas = canvas; this.legend = legend; this.resize();
    this.small = document.createElement("canvas");
  }
  resize() { this.ctx = NP.fit(this.canvas); }
  setData(data) {
    this.data = data;
    this.legend.innerHTML = "class";
    for (let k = 0; k < data.classes; k++) {
      const s = document.createElement("span");
      s.innerHTML = `<i class="swatch" style="background:${NP.CLASS[k]}"></i>${k}`;
      this.legend.appendChild(s);
    }
  }
  draw(f) {
    const res = f.h.res, small = this.small;
    if (small.width !== res) { small.width = small.height = res; this.img = null; }
    const sctx = small.getContext("2d");
    this.img = this.img || sctx.createImageData(res, res);
    const d = this.img.data, cls = f.seg.cls, conf = f.seg.conf;
    const cols = NP.CLASS.map(NP.rgb);
    for (let p = 0; p < res * res; p++) {
      const c = cols[cls[p] % cols.length], a = 0.1 + 0.55 * (conf[p] / 255);
      for (let i = 0; i < 3; i++) d[4 * p + i] = 255 + (c[i] - 255) * a;
      d[4 * p + 3] = 255;
    }
    sctx.putImageData(this.img, 0, 0);
    const w = this.canvas.clientWidth, h = this.canvas.clientHeight, ctx = this.ctx;
    ctx.imageSmoothingEnabled = true;
    ctx.drawImage(small, 0, 0, w, h);
    if (this.data) NP.drawPoints(ctx, this.data, w, h, 3);
  }
};

// ---------------------------------------------------------------- loss and accuracy curves
// the smallest of 1, 2, 2.5, 5 times a power of 10 that is >= x
NP.niceStep = (x) => {
  const p = Math.pow(10, Math.floor(Math.log10(x)));
  return [1, 2, 2.5, 5, 10].map((m) => m * p).find((v) => v >= x * 0.999);
};
NP.Curves = class {
  constructor(lossCanvas, accCanvas) {
    this.loss = { canvas: lossCanvas }; this.acc = { canvas: accCanvas };
    this.resize(); this.reset();
  }
  resize() { for (const t of [this.loss, this.acc]) t.ctx = NP.fit(t.canvas); }
  reset() { this.points = []; this.lastStep = -1; this.marks = []; }
  add(h) {
    this.marks = h.marks || [];
    if (h.step === this.lastStep) return;
    this.lastStep = h.step;
    this.points.push([h.epoch, h.train_loss, h.test_loss, h.train_acc, h.test_acc]);
    if (this.points.length > 3000) this.points = this.points.filter((_, i) => i % 2 === 0 || i === this.points.length - 1);
  }
  draw() {
    const pts = this.points;
    let top = 0.1;
    for (const p of pts) top = Math.max(top, Math.min(p[1], 10), Math.min(p[2], 10));
    let low = 1;
    for (const p of pts) low = Math.min(low, p[3], p[4]);
    low = Math.max(0, Math.floor(Math.min(low, 0.6) * 5) / 5); // 0, 0.2, 0.4 or 0.6: even ticks
    const step = NP.niceStep(top / 4);
    this.plot(this.loss, [1, 2], 0, 4 * step, (v) => v.toFixed(step < 0.1 ? 3 : step < 1 ? 2 : 1));
    this.plot(this.acc, [3, 4], low, 1, (v) => v.toFixed(low === 0 ? 2 : 1));
  }
  plot(target, idx, y0, y1, fmt) {
    const ctx = target.ctx, w = target.canvas.clientWidth, h = target.canvas.clientHeight;
    const L = 34, R = 8, T = 8, B = 18, pts = this.points;
    ctx.clearRect(0, 0, w, h);
    const xMax = Math.max(1, pts.length ? pts[pts.length - 1][0] : 1);
    const X = (x) => L + (x / xMax) * (w - L - R), Y = (y) => T + (1 - (y - y0) / (y1 - y0)) * (h - T - B);
    ctx.font = "10px system-ui, sans-serif"; ctx.fillStyle = "#6b7280"; ctx.strokeStyle = "#eceff3";
    ctx.lineWidth = 1;
    for (let k = 0; k <= 4; k++) {
      const v = y0 + ((y1 - y0) * k) / 4, y = Y(v);
      ctx.beginPath(); ctx.moveTo(L, y); ctx.lineTo(w - R, y); ctx.stroke();
      ctx.textAlign = "right"; ctx.fillText(fmt(v), L - 4, y + 3);
    }
    ctx.textAlign = "center";
    const xStep = NP.niceStep(xMax / 4);
    for (let v = xStep; v <= xMax * 1.0001; v += xStep) ctx.fillText(+v.toFixed(2) + "", X(v), h - 5);
    ctx.textAlign = "left"; ctx.fillText("epoch", 4, h - 5); // where 0 would be: clear of the curves
    this.drawMarks(ctx, X, T, h - B);
    [["#374151", idx[0]], ["#dc2626", idx[1]]].forEach(([col, j]) => {
      ctx.beginPath(); ctx.strokeStyle = col; ctx.lineWidth = 1.6;
      pts.forEach((p, i) => {
        const y = Y(Math.max(y0, Math.min(y1, p[j])));
        if (i) ctx.lineTo(X(p[0]), y); else ctx.moveTo(X(p[0]), y);
      });
      ctx.stroke();
    });
  }
};

// each change made while training: a dashed line at its epoch, its value at the top
NP.Curves.prototype.drawMarks = function (ctx, X, top, bottom) {
  ctx.save();
  ctx.strokeStyle = ctx.fillStyle = "#7c3aed"; ctx.lineWidth = 1; ctx.setLineDash([3, 3]);
  ctx.textAlign = "left"; ctx.font = "9px system-ui, sans-serif";
  let lastX = -1e9;
  for (const [epoch, text] of this.marks) {
    const x = X(epoch);
    ctx.beginPath(); ctx.moveTo(x, top); ctx.lineTo(x, bottom); ctx.stroke();
    if (x - lastX > 50) { ctx.fillText(text, x + 2, top + 8); lastX = x; }
  }
  ctx.restore();
};

// ---------------------------------------------------------------- the network diagram
NP.Diagram = class {
  constructor(box, links, onSelect) {
    this.box = box; this.links = links; this.onSelect = onSelect; this.selected = null;
  }
  layout(data) {
    this.data = data;
    this.box.querySelectorAll(".unit, .col-label").forEach((e) => e.remove());
    const W = this.box.clientWidth, H = this.box.clientHeight, top = 58, avail = H - top - 6;
    const cols = [{ kind: "input", n: 2, label: "x<sup>(0)</sup>", sub: "D = 2" }];
    data.widths.forEach((w, k) => cols.push({
      kind: "hidden", i: 2 * k + 1, n: w, label: `x<sup>(${2 * k + 1})</sup>`, sub: `${data.activation || "relu"}<br>H = ${w}`,
    }));
    cols.push({ kind: "output", n: data.classes, label: "p", sub: `softmax<br>C = ${data.classes}` });
    const margin = Math.min(56, W / 12), gap = 4;
    this.cols = cols;
    cols.forEach((col, c) => {
      const cx = margin + (c * (W - 2 * margin)) / (cols.length - 1), span = (W - 2 * margin) / (cols.length - 1);
      let sub = 1, rows = col.n, T = Math.floor((avail - gap * (rows - 1)) / rows);
      if (T < 16) { sub = Math.ceil((col.n * (16 + gap)) / avail); rows = Math.ceil(col.n / sub); }
      T = Math.min(H > 700 ? 60 : 44, Math.floor((avail - gap * (rows - 1)) / rows), Math.floor((span * 0.62 - gap * (sub - 1)) / sub));
      const label = document.createElement("div");
      label.className = "col-label"; label.style.left = cx + "px"; label.style.maxWidth = span - 4 + "px";
      label.innerHTML = `<b>${col.label}</b><br>${col.sub}`;
      this.box.appendChild(label);
      const y0 = top + (avail - (rows * T + (rows - 1) * gap)) / 2, x0 = cx - (sub * T + (sub - 1) * gap) / 2;
      col.units = [];
      for (let j = 0; j < col.n; j++) {
        const cv = document.createElement("canvas");
        cv.width = cv.height = 32;
        cv.className = "unit" + (col.kind === "input" ? " input" : "");
        const x = x0 + Math.floor(j / rows) * (T + gap), y = y0 + (j % rows) * (T + gap);
        Object.assign(cv.style, { left: x + "px", top: y + "px", width: T + "px", height: T + "px" });
        if (col.kind === "hidden") {
          cv.dataset.layer = col.i; cv.dataset.unit = j;
          cv.title = `x^(${col.i}) unit ${j}: click to enlarge`;
          cv.addEventListener("click", () => this.onSelect(this.isSelected(col.i, j) ? null : [col.i, j]));
        } else cv.title = col.kind === "input" ? `x^(0) feature x${j + 1}` : `p, class ${j}`;
        this.box.appendChild(cv);
        col.units.push({ el: cv, x, y, T, img: cv.getContext("2d").createImageData(32, 32) });
      }
    });
    this.inputs(cols[0]);
    this.ctx = NP.fit(this.links, W, H);
    this.outLUT = Array.from({ length: data.classes }, (_, k) => NP.classLUT(k));
    this.markSelected();
  }
  isSelected(i, j) { return this.selected && this.selected[0] === i && this.selected[1] === j; }
  select(unit) { this.selected = unit; this.markSelected(); }
  markSelected() {
    this.box.querySelectorAll(".unit.selected").forEach((e) => e.classList.remove("selected"));
    if (!this.selected || !this.cols) return;
    const col = this.cols.find((c) => c.i === this.selected[0]);
    if (col && col.units[this.selected[1]]) col.units[this.selected[1]].el.classList.add("selected");
  }
  inputs(col) { // x1 and x2 themselves over the plane (left to right, bottom to top)
    col.units.forEach((u, j) => {
      const q = new Uint8Array(32 * 32);
      for (let r = 0; r < 32; r++) for (let c = 0; c < 32; c++) {
        const v = j === 0 ? (c + 0.5) / 16 - 1 : 1 - (r + 0.5) / 16;
        q[32 * r + c] = Math.round(128 + 127 * v);
      }
      NP.paint(u.img, q, NP.UNIT_LUT, 0);
      u.el.getContext("2d").putImageData(u.img, 0, 0);
    });
  }
  draw(f) {
    if (!this.cols) return;
    const n2 = f.h.unit_res * f.h.unit_res;
    let k = 0;
    this.cols.forEach((col) => {
      if (col.kind === "input") return;
      col.units.forEach((u, j) => {
        if (col.kind === "hidden") NP.paint(u.img, f.seg.units, NP.UNIT_LUT, n2 * k++);
        else NP.paint(u.img, f.seg.out, this.outLUT[j], n2 * j);
        u.el.getContext("2d").putImageData(u.img, 0, 0);
      });
    });
    this.drawLinks(f.seg.W);
  }
  drawLinks(Wq) { // one path per (sign, strength) bucket: a few strokes for thousands of links
    const ctx = this.ctx, cols = this.cols, levels = 6;
    ctx.clearRect(0, 0, this.links.width, this.links.height);
    let at = 0;
    for (let c = 0; c + 1 < cols.length; c++) {
      const A = cols[c].units, Bu = cols[c + 1].units, paths = [];
      for (let s = 0; s < 2 * levels; s++) paths.push(new Path2D());
      const dense = A.length * Bu.length > 1200;
      for (let a = 0; a < A.length; a++) for (let b = 0; b < Bu.length; b++) {
        const q = Wq[at + a * Bu.length + b], m = Math.abs(q) / 127;
        if (dense && m < 0.15) continue;
        const lvl = Math.min(levels - 1, Math.floor(m * levels)), path = paths[(q < 0 ? levels : 0) + lvl];
        path.moveTo(A[a].x + A[a].T, A[a].y + A[a].T / 2); path.lineTo(Bu[b].x, Bu[b].y + Bu[b].T / 2);
      }
      at += A.length * Bu.length;
      paths.forEach((p, s) => {
        const lvl = s % levels, m = (lvl + 0.5) / levels;
        ctx.strokeStyle = s < levels ? "#e08214" : "#2166ac";
        ctx.globalAlpha = 0.12 + 0.75 * m; ctx.lineWidth = 0.4 + 3.2 * m;
        ctx.stroke(p);
      });
    }
    ctx.globalAlpha = 1;
  }
};

// ---------------------------------------------------------------- the enlarged unit
NP.Enlarged = class {
  constructor(panel, canvas, title, note) {
    this.panel = panel; this.canvas = canvas; this.title = title; this.note = note;
    this.small = document.createElement("canvas");
  }
  draw(f, data) {
    const big = f.h.big, size = this.canvas.clientWidth;
    if (!big || !f.seg.big || !size) return;
    if (this.size !== size) { this.ctx = NP.fit(this.canvas, size, size); this.size = size; }
    const res = f.h.res, s = this.small;
    if (s.width !== res) { s.width = s.height = res; this.img = null; }
    this.img = this.img || s.getContext("2d").createImageData(res, res);
    NP.paint(this.img, f.seg.big, NP.UNIT_LUT, 0);
    s.getContext("2d").putImageData(this.img, 0, 0);
    this.ctx.imageSmoothingEnabled = true;
    this.ctx.drawImage(s, 0, 0, size, size);
    if (data) this.ctx.drawImage(this.pointsLayer(data, size), 0, 0, size, size);
    const act = (data && data.config && data.config.activation) || "relu";
    NP.setText(this.title, `x^(${big.layer}), unit ${big.unit}`);
    NP.setText(this.note, `x^(${big.layer - 1}) W^(${big.layer}) + b^(${big.layer}) in column ${big.unit}, before ${act}; ` +
      `max |value| over the plane ${big.scale.toPrecision(3)}. Orange > 0` + (act === "relu" ? " (ReLU passes it), blue < 0 (ReLU makes it 0)." : ", blue < 0."));
  }
  // the data's points drawn once per run and size, then copied onto every frame
  pointsLayer(data, size) {
    if (this.layerFor !== data || this.layerSize !== size) {
      this.layer = this.layer || document.createElement("canvas");
      NP.drawPoints(NP.fit(this.layer, size, size), data, size, size, 2.2);
      this.layerFor = data; this.layerSize = size;
    }
    return this.layer;
  }
};
